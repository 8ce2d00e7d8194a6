def test_citizen_logs_in_with_bhxh_code_and_reads_masked_profile(api, citizen):
    from ansinh.conftest import CITIZEN_PASSWORD

    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    assert tokens["token_type"] == "Bearer"
    me = api.get("/me", token=tokens["access_token"])
    assert me.status_code == 200, me.content
    assert me.json()["cccd_masked"] == "001******345"
