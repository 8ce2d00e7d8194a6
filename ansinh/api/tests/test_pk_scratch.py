from ansinh.accounts.tests.authenticator import SoftAuthenticator
from ansinh.conftest import CITIZEN_PASSWORD


def test_scratch(api, citizen):
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    r = api.post("/me/passkeys/options", {"current_password": CITIZEN_PASSWORD}, token=tokens["access_token"])
    print(r.status_code, r.json())
    auth = SoftAuthenticator()
    cred = auth.create(r.json())
    r = api.post("/me/passkeys", {"name": "Điện thoại của tôi", "credential": cred}, token=tokens["access_token"])
    print(r.status_code, r.json())
    r = api.post("/auth/passkey/options")
    print(r.status_code, r.json())
    r = api.post("/auth/passkey", {"credential": auth.get(r.json()), "device_name": "x"})
    print(r.status_code, r.json())
    r = api.get("/me/passkeys", token=tokens["access_token"])
    print(r.status_code, r.json())
    assert 0
