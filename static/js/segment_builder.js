// The segment filter builder: renders groups of filter rows from the registry the page embeds
// (#segment-registry), keeps the hidden "filters" input in sync, shows the live count from
// the preview endpoint, and checks values before saving. The server checks everything again.
(function () {
  "use strict";

  const root = document.getElementById("segment-builder");
  const form = document.getElementById("segment-form");
  if (!root || !form) {
    return;
  }
  const registry = JSON.parse(document.getElementById("segment-registry").textContent);
  const serverProblems = JSON.parse(document.getElementById("segment-problems").textContent);
  const hidden = form.querySelector("input[name=filters]");
  const countBox = document.getElementById("segment-count");
  const previewUrl = root.dataset.previewUrl;
  const csrfToken = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const numbers = new Intl.NumberFormat();
  const kinds = new Map(registry.kinds.map((kind) => [kind.key, kind]));

  let state = readInitial();
  let problems = serverProblems || [];
  let previewTimer = null;
  let previewSerial = 0;

  // --- State ----------------------------------------------------------------------------------

  function readInitial() {
    let data = null;
    try {
      data = JSON.parse(hidden.value || "null");
    } catch (error) {
      data = null;
    }
    if (!data || typeof data !== "object" || !Array.isArray(data.groups)) {
      return { match: "all", groups: [] };
    }
    return {
      match: data.match === "any" ? "any" : "all",
      groups: data.groups
        .filter((group) => group && typeof group === "object")
        .map((group) => ({
          match: group.match === "any" ? "any" : "all",
          filters: Array.isArray(group.filters) ? group.filters.map(readFilter) : [],
        })),
    };
  }

  function readFilter(item) {
    const safe = item && typeof item === "object" ? item : {};
    return { kind: String(safe.kind || ""), operator: String(safe.operator || ""), value: safe.value };
  }

  function operatorOf(filter) {
    const kind = kinds.get(filter.kind);
    return kind ? kind.operators.find((item) => item.key === filter.operator) : undefined;
  }

  function defaultValue(operator) {
    switch (operator && operator.widget) {
      case "text":
      case "date":
        return "";
      case "text_list":
      case "choices":
        return [];
      case "number":
        return null;
      case "choices_and_number":
        return { choices: [], number: null };
      default:
        return null;
    }
  }

  function newFilter() {
    const kind = registry.kinds[0];
    const operator = kind.operators[0];
    return { kind: kind.key, operator: operator.key, value: defaultValue(operator) };
  }

  function save() {
    hidden.value = JSON.stringify(state);
  }

  function changed(options) {
    save();
    if (options && options.rerender) {
      render();
    }
    schedulePreview();
  }

  // --- Rendering ------------------------------------------------------------------------------

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => {
      if (value === undefined || value === null || value === false) {
        return;
      }
      if (name === "text") {
        node.textContent = value;
      } else if (name === "className") {
        node.className = value;
      } else {
        node.setAttribute(name, value === true ? "" : String(value));
      }
    });
    (children || []).forEach((child) => child && node.appendChild(child));
    return node;
  }

  function matchSelect(value, label, onChange, wording) {
    const select = el("select", { className: "form-select form-select-sm w-auto", "aria-label": label }, [
      el("option", { value: "all", text: wording[0], selected: value === "all" }),
      el("option", { value: "any", text: wording[1], selected: value === "any" }),
    ]);
    select.addEventListener("change", () => onChange(select.value));
    return select;
  }

  function render() {
    root.replaceChildren();
    if (state.groups.length > 1) {
      root.appendChild(
        el("div", { className: "d-flex align-items-center gap-2 mb-3" }, [
          el("span", { text: "Contacts matching" }),
          matchSelect(state.match, "How the groups combine", (value) => {
            state.match = value;
            changed({ rerender: true });
          }, ["all of the groups", "any of the groups"]),
        ])
      );
    }
    if (state.groups.length === 0) {
      root.appendChild(
        el("p", {
          className: "text-body-secondary",
          text: "No filters yet: the segment only holds contacts added by hand.",
        })
      );
    }
    state.groups.forEach((group, index) => {
      if (index > 0) {
        root.appendChild(
          el("div", {
            className: "text-center small text-uppercase text-body-secondary my-2 group-joiner",
            text: state.match === "all" ? "and" : "or",
          })
        );
      }
      root.appendChild(renderGroup(group, index));
    });
    const addGroup = el("button", { type: "button", className: "btn btn-sm btn-outline-primary" }, [
      el("i", { className: "bi bi-plus-lg" }),
      document.createTextNode(state.groups.length ? " Add group" : " Add a filter"),
    ]);
    addGroup.addEventListener("click", () => {
      state.groups.push({ match: "all", filters: [newFilter()] });
      changed({ rerender: true });
    });
    root.appendChild(el("div", { className: "mt-2" }, [addGroup]));
    showGeneralProblems();
  }

  function renderGroup(group, groupIndex) {
    const body = el("div", { className: "card-body" });
    const header = el("div", { className: "d-flex align-items-center gap-2 mb-2" }, [
      el("strong", { text: "Group " + (groupIndex + 1) }),
      el("span", { className: "text-body-secondary", text: "— match" }),
      matchSelect(group.match, "Group " + (groupIndex + 1) + " match", (value) => {
        group.match = value;
        changed({ rerender: true });
      }, ["all of these filters", "any of these filters"]),
    ]);
    const removeGroup = el("button", {
      type: "button",
      className: "btn btn-sm btn-link text-danger ms-auto",
      text: "Remove group",
    });
    removeGroup.addEventListener("click", () => {
      state.groups.splice(groupIndex, 1);
      problems = [];
      changed({ rerender: true });
    });
    header.appendChild(removeGroup);
    body.appendChild(header);
    const groupProblem = problems.find((p) => p.group === groupIndex && p.filter === null);
    if (groupProblem) {
      body.appendChild(el("div", { className: "text-danger small mb-2", text: groupProblem.message }));
    }
    group.filters.forEach((filter, index) => {
      if (index > 0) {
        body.appendChild(
          el("div", {
            className: "small text-body-secondary ms-1 filter-joiner",
            text: group.match === "all" ? "and" : "or",
          })
        );
      }
      body.appendChild(renderFilter(group, filter, groupIndex, index));
    });
    const addFilter = el("button", { type: "button", className: "btn btn-sm btn-link px-0" }, [
      el("i", { className: "bi bi-plus-circle" }),
      document.createTextNode(" Add filter"),
    ]);
    addFilter.addEventListener("click", () => {
      group.filters.push(newFilter());
      changed({ rerender: true });
    });
    body.appendChild(addFilter);
    return el("div", { className: "card mb-2 filter-group", "data-group": groupIndex }, [body]);
  }

  function kindSelect(filter) {
    const select = el("select", { className: "form-select form-select-sm", "aria-label": "Filter" });
    const groups = new Map();
    registry.kinds.forEach((kind) => {
      if (!groups.has(kind.group)) {
        groups.set(kind.group, el("optgroup", { label: kind.group }));
        select.appendChild(groups.get(kind.group));
      }
      groups.get(kind.group).appendChild(
        el("option", { value: kind.key, text: kind.label, selected: kind.key === filter.kind })
      );
    });
    if (!kinds.has(filter.kind)) {
      select.prepend(el("option", { value: filter.kind, text: "Unknown filter: " + filter.kind, selected: true }));
    }
    return select;
  }

  function operatorSelect(filter) {
    const kind = kinds.get(filter.kind);
    const select = el("select", { className: "form-select form-select-sm", "aria-label": "Condition" });
    (kind ? kind.operators : []).forEach((operator) => {
      select.appendChild(
        el("option", { value: operator.key, text: operator.label, selected: operator.key === filter.operator })
      );
    });
    return select;
  }

  function renderFilter(group, filter, groupIndex, index) {
    const kindBox = kindSelect(filter);
    const operatorBox = operatorSelect(filter);
    kindBox.addEventListener("change", () => {
      const kind = kinds.get(kindBox.value);
      filter.kind = kindBox.value;
      filter.operator = kind.operators[0].key;
      filter.value = defaultValue(kind.operators[0]);
      clearProblem(groupIndex, index);
      changed({ rerender: true });
    });
    operatorBox.addEventListener("change", () => {
      const before = operatorOf(filter);
      filter.operator = operatorBox.value;
      const after = operatorOf(filter);
      if (!before || !after || before.widget !== after.widget) {
        filter.value = defaultValue(after);
      }
      clearProblem(groupIndex, index);
      changed({ rerender: true });
    });
    const remove = el("button", {
      type: "button",
      className: "btn btn-sm btn-link text-danger",
      "aria-label": "Remove filter",
      title: "Remove filter",
    }, [el("i", { className: "bi bi-x-circle" })]);
    remove.addEventListener("click", () => {
      group.filters.splice(index, 1);
      if (group.filters.length === 0) {
        state.groups.splice(groupIndex, 1);
      }
      problems = [];
      changed({ rerender: true });
    });
    const problem = problems.find((p) => p.group === groupIndex && p.filter === index);
    const row = el("div", { className: "filter-row row g-2 align-items-start mb-1", "data-filter": index }, [
      el("div", { className: "col-md-3" }, [kindBox]),
      el("div", { className: "col-md-3" }, [operatorBox]),
      el("div", { className: "col-md-5 filter-value" }, [valueWidget(filter, groupIndex, index)]),
      el("div", { className: "col-md-1 text-end" }, [remove]),
    ]);
    const feedback = el("div", { className: "col-12 text-danger small filter-problem", text: problem ? problem.message : "" });
    if (!problem) {
      feedback.classList.add("d-none");
    }
    row.appendChild(feedback);
    return row;
  }

  function clearProblem(groupIndex, index) {
    problems = problems.filter((p) => !(p.group === groupIndex && p.filter === index));
  }

  // --- Value widgets --------------------------------------------------------------------------

  function valueWidget(filter, groupIndex, index) {
    const operator = operatorOf(filter);
    const edited = () => {
      clearProblem(groupIndex, index);
      changed();
    };
    switch (operator && operator.widget) {
      case "text":
        return textInput(filter, "text", edited);
      case "date":
        return textInput(filter, "date", edited);
      case "text_list":
        return listInput(filter, edited);
      case "number":
        return numberInput(operator, filter.value, (value) => {
          filter.value = value;
          edited();
        });
      case "choices":
        return choicesInput(filter, Array.isArray(filter.value) ? filter.value : [], (keys) => {
          filter.value = keys;
          edited();
        }, "Choose one or more");
      case "choices_and_number":
        return choicesAndNumber(filter, operator, edited);
      default:
        return el("span");
    }
  }

  function textInput(filter, type, edited) {
    const input = el("input", {
      type: type,
      className: "form-control form-control-sm",
      "aria-label": "Value",
      maxlength: 255,
      value: typeof filter.value === "string" ? filter.value : "",
    });
    input.addEventListener("input", () => {
      filter.value = input.value;
      edited();
    });
    return input;
  }

  function listInput(filter, edited) {
    const area = el("textarea", {
      className: "form-control form-control-sm",
      rows: 3,
      "aria-label": "Values, one per line",
      placeholder: "One value per line",
    });
    area.value = Array.isArray(filter.value) ? filter.value.join("\n") : "";
    area.addEventListener("input", () => {
      filter.value = area.value.split("\n").map((line) => line.trim()).filter(Boolean);
      edited();
    });
    return area;
  }

  function numberInput(operator, value, onValue) {
    const input = el("input", {
      type: "number",
      className: "form-control form-control-sm",
      "aria-label": "Number of " + (operator.unit || "units"),
      min: operator.min,
      max: operator.max,
      step: 1,
      value: value === null || value === undefined ? "" : value,
    });
    input.addEventListener("input", () => {
      onValue(input.value === "" ? null : Number(input.value));
    });
    const parts = [input];
    if (operator.unit) {
      parts.push(el("span", { className: "input-group-text", text: operator.unit }));
    }
    return el("div", { className: "input-group input-group-sm" }, parts);
  }

  function choicesInput(filter, selected, onKeys, hint) {
    const kind = kinds.get(filter.kind);
    const choices = (kind && registry.choices[kind.choices]) || [];
    const known = new Set(choices.map((pair) => pair[0]));
    const select = el("select", {
      className: "form-select form-select-sm",
      multiple: true,
      size: Math.min(6, Math.max(3, choices.length + 1)),
      "aria-label": "Events",
    });
    selected.filter((key) => !known.has(key)).forEach((key) => {
      select.appendChild(el("option", { value: key, text: "#" + key + " (no longer in the catalogue)", selected: true }));
    });
    choices.forEach(([key, label]) => {
      select.appendChild(el("option", { value: key, text: label, selected: selected.includes(key) }));
    });
    select.addEventListener("change", () => {
      onKeys(Array.from(select.selectedOptions, (option) => option.value));
    });
    const search = el("input", {
      type: "search",
      className: "form-control form-control-sm mb-1",
      placeholder: "Find an event",
      "aria-label": "Find an event",
    });
    search.addEventListener("input", () => {
      const needle = search.value.trim().toLowerCase();
      Array.from(select.options).forEach((option) => {
        option.hidden = needle !== "" && !option.selected && !option.text.toLowerCase().includes(needle);
      });
    });
    const note = choices.length === 0 ? "No events in the catalogue yet: sync GoTo first." : hint;
    return el("div", {}, [search, select, el("div", { className: "form-text", text: note })]);
  }

  function choicesAndNumber(filter, operator, edited) {
    if (!filter.value || typeof filter.value !== "object" || Array.isArray(filter.value)) {
      filter.value = { choices: [], number: null };
    }
    const value = filter.value;
    const number = numberInput(operator, value.number, (n) => {
      value.number = n;
      edited();
    });
    const choices = choicesInput(filter, Array.isArray(value.choices) ? value.choices : [], (keys) => {
      value.choices = keys;
      edited();
    }, "None chosen: any event");
    return el("div", { className: "d-grid gap-1" }, [number, choices]);
  }

  // --- Checking -------------------------------------------------------------------------------

  function problemOf(filter) {
    const operator = operatorOf(filter);
    if (!kinds.has(filter.kind)) {
      return "Unknown filter: remove it.";
    }
    if (!operator) {
      return "Choose a condition.";
    }
    const value = filter.value;
    const inRange = (n) => Number.isInteger(n) && n >= operator.min && n <= operator.max;
    const range = "Enter a whole number from " + operator.min + " to " + operator.max +
      (operator.unit ? " " + operator.unit : "") + ".";
    switch (operator.widget) {
      case "text":
        return typeof value === "string" && value.trim() ? null : "Enter a value.";
      case "date":
        return /^\d{4}-\d{2}-\d{2}$/.test(value || "") ? null : "Enter a date.";
      case "text_list":
        return Array.isArray(value) && value.length ? null : "Enter at least one value, one per line.";
      case "number":
        return inRange(value) ? null : range;
      case "choices":
        return Array.isArray(value) && value.length ? null : "Choose at least one event.";
      case "choices_and_number":
        return value && inRange(value.number) ? null : range;
      default:
        return null;
    }
  }

  function localProblems() {
    const found = [];
    state.groups.forEach((group, groupIndex) => {
      group.filters.forEach((filter, index) => {
        const message = problemOf(filter);
        if (message) {
          found.push({ group: groupIndex, filter: index, message: message });
        }
      });
    });
    return found;
  }

  function showGeneralProblems() {
    const general = problems.filter((p) => p.group === null);
    if (general.length) {
      root.prepend(el("div", { className: "alert alert-danger", role: "alert" },
        general.map((p) => el("div", { text: p.message }))));
    }
  }

  // --- Live count -----------------------------------------------------------------------------

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, 350);
  }

  async function preview() {
    const serial = ++previewSerial;
    if (state.groups.length === 0) {
      countBox.textContent = "No filters: members are added by hand.";
      return;
    }
    if (localProblems().length) {
      countBox.textContent = "Complete the filters to see how many contacts match.";
      return;
    }
    countBox.textContent = "Counting…";
    try {
      const response = await fetch(previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken, Accept: "application/json" },
        body: JSON.stringify({ filters: state }),
      });
      const data = await response.json();
      if (serial !== previewSerial) {
        return; // a newer count is on its way
      }
      if (response.ok) {
        countBox.textContent = numbers.format(data.count) + (data.count === 1 ? " contact matches" : " contacts match");
        countBox.dataset.count = String(data.count);
      } else {
        const first = (data.errors || [])[0];
        countBox.textContent = first ? first.message : "The count is not available.";
        delete countBox.dataset.count;
      }
    } catch (error) {
      if (serial === previewSerial) {
        countBox.textContent = "Cannot reach the server to count; try again.";
      }
    }
  }

  form.addEventListener("submit", (event) => {
    save();
    const found = localProblems();
    if (found.length) {
      event.preventDefault();
      problems = found;
      render();
      const first = root.querySelector(".filter-problem:not(.d-none)");
      if (first) {
        first.scrollIntoView({ block: "center" });
      }
    }
  });

  save();
  render();
  preview();
})();
