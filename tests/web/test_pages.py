"""The pages customers' browsers load from the shop's website: the embed script and the bubble's look."""
EVIL = "https://shop.example"


def test_the_bubble_look_is_the_companys_public_colour_and_name(app, acme, admin_client):
    client = app.test_client()
    response = client.get("/chat/acme/look.json", headers={"Origin": EVIL})
    assert response.status_code == 200
    assert response.get_json() == {"name": "Acme", "widget_color": "#2563eb"}  # nothing else: any site may ask
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers

    # cached by the browser, but checked on every page view: a new colour shows on the next page
    assert {"public", "no-cache"} <= {d.strip() for d in response.headers["Cache-Control"].split(",")}
    etag = response.headers["ETag"]
    again = client.get("/chat/acme/look.json", headers={"Origin": EVIL, "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["Access-Control-Allow-Origin"] == "*"
    assert admin_client.patch("/api/v1/company", json={"settings": {"widget_color": "#dc2626"}}).status_code == 200
    changed = client.get("/chat/acme/look.json", headers={"Origin": EVIL, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["widget_color"] == "#dc2626"


def test_an_unknown_company_has_no_look_and_says_what_to_check(app, acme):
    response = app.test_client().get("/chat/no-such-shop/look.json", headers={"Origin": EVIL})
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # the embed script can tell it from a network failure
    error = response.get_json()["error"]
    assert error["code"] == "not_found" and "data-company" in error["message"]
