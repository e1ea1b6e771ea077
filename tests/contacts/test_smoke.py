from django.test import Client


def test_contact_list_opens_for_a_marketer(marketer_client: Client) -> None:
    response = marketer_client.get("/contacts/")
    assert response.status_code == 200
    assert b"No contacts yet" in response.content
