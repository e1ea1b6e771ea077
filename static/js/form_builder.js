// The form builder's small helpers. Every page works without them (up/down buttons, plain
// forms); they add drag-and-drop ordering, copying the embed snippet, confirmations, the
// address made from the name, and showing the custom-field name only when it is needed.
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- Drag-and-drop ordering ------------------------------------------------------------
  function itemAfter(list, y) {
    var items = Array.prototype.slice.call(list.querySelectorAll("li[data-id]:not(.cv-dragging)"));
    var found = null;
    var closest = Number.NEGATIVE_INFINITY;
    items.forEach(function (item) {
      var box = item.getBoundingClientRect();
      var offset = y - box.top - box.height / 2;
      if (offset < 0 && offset > closest) {
        closest = offset;
        found = item;
      }
    });
    return found;
  }

  function saveOrder(list) {
    var body = new URLSearchParams();
    list.querySelectorAll("li[data-id]").forEach(function (item) {
      body.append("order", item.getAttribute("data-id"));
    });
    return fetch(list.getAttribute("data-reorder-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: body,
    }).then(function (response) {
      // Reloading keeps the up/down buttons (which carry whole orders) in step.
      window.location.reload();
      return response;
    });
  }

  function sortable(list) {
    var dragged = null;
    var before = "";
    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest("li[data-id]");
      if (!dragged) return;
      before = Array.prototype.map.call(list.querySelectorAll("li[data-id]"), function (li) {
        return li.getAttribute("data-id");
      }).join(",");
      dragged.classList.add("cv-dragging", "opacity-50");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.getAttribute("data-id"));
    });
    list.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      var next = itemAfter(list, event.clientY);
      if (next) list.insertBefore(dragged, next);
      else list.appendChild(dragged);
    });
    list.addEventListener("drop", function (event) {
      event.preventDefault();
    });
    list.addEventListener("dragend", function () {
      if (!dragged) return;
      dragged.classList.remove("cv-dragging", "opacity-50");
      dragged = null;
      var after = Array.prototype.map.call(list.querySelectorAll("li[data-id]"), function (li) {
        return li.getAttribute("data-id");
      }).join(",");
      if (after !== before) saveOrder(list);
    });
  }

  // --- Copy to the clipboard ---------------------------------------------------------------
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "absolute";
      area.style.left = "-10000px";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) resolve();
      else reject(new Error("copy refused"));
    });
  }

  function copyButton(button) {
    button.addEventListener("click", function () {
      var source = document.querySelector(button.getAttribute("data-copy"));
      var label = button.querySelector("span") || button;
      copyText(source.value || source.textContent).then(
        function () { label.textContent = "Copied"; },
        function () {
          source.focus();
          source.select();
          label.textContent = "Press Ctrl+C to copy";
        }
      );
    });
  }

  // --- Address from the name -----------------------------------------------------------------
  function slugify(text) {
    return text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 100);
  }

  function slugFromName(form) {
    var source = document.getElementById(form.getAttribute("data-slug-from"));
    var target = document.getElementById(form.getAttribute("data-slug-to"));
    if (!source || !target || form.hasAttribute("data-slug-locked")) return;
    var touched = target.value !== "" && target.value !== slugify(source.value);
    var follow = function () {
      if (!touched) target.value = slugify(source.value);
    };
    target.addEventListener("input", function () { touched = true; });
    source.addEventListener("input", follow);
    source.addEventListener("change", follow);
    follow(); // a name typed before this script ran
  }

  // --- Custom contact field name -------------------------------------------------------------
  function customName() {
    var mapping = document.getElementById("id_contact_field");
    var wrapper = document.getElementById("div_id_custom_name");
    if (!mapping || !wrapper) return;
    var toggle = function () { wrapper.hidden = mapping.value !== "custom"; };
    mapping.addEventListener("change", toggle);
    toggle();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-reorder-url]").forEach(sortable);
    document.querySelectorAll("[data-copy]").forEach(copyButton);
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
    document.querySelectorAll("form[data-slug-from]").forEach(slugFromName);
    customName();
  });
})();
