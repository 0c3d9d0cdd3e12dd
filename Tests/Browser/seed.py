"""Seeds the browser tests' account through the JSON API; prints shell assignments."""
import json
import os
import urllib.request

URL = os.environ["TALLY_URL"]
OPERATOR = os.environ["TALLY_OPERATOR_TOKEN"]
PASSWORD = "correct horse battery"


def call(method, path, token, body):
    request = urllib.request.Request(URL + path, data=json.dumps(body).encode(), method=method)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read().decode())


owner = "olive@acme.example"
member = "max@acme.example"
account = call("POST", "/v1/accounts", OPERATOR, {"name": "Acme Scheduling", "owner": {"email": owner, "name": "Olive Owner", "password": PASSWORD}})
session = call("POST", "/v1/sessions", "", {"email": owner, "password": PASSWORD})
token = session["token"]
call("POST", f"/v1/accounts/{account['id']}/users", token, {"email": member, "name": "Max Member", "role": "member", "password": PASSWORD})
key = call("POST", f"/v1/accounts/{account['id']}/api-keys", token, {"name": "Seeded backend"})
print(f"TALLY_ACCOUNT={account['id']}")
print(f"TALLY_OWNER_EMAIL={owner}")
print(f"TALLY_MEMBER_EMAIL={member}")
print(f"TALLY_PASSWORD='{PASSWORD}'")
print(f"TALLY_API_KEY={key['key']}")
