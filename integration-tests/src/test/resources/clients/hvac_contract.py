"""hvac, unmodified, against Custos: the calls the Vault API parity issue names.

Run by HvacClientIT with VAULT_ADDR and VAULT_TOKEN (root). Prints one "ok <step>" line per step
and exits non-zero with the failing step's message on the first failure.
"""
import json
import os
import sys

import hvac
import hvac.exceptions


def step(name, ok, detail=""):
    if not ok:
        print("FAIL %s %s" % (name, detail))
        sys.exit(1)
    print("ok %s" % name)


client = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
step("authenticated", client.is_authenticated())

health = client.sys.read_health_status(method="GET")
step("health version", health["version"].startswith("1.") and "+custos." in health["version"], health)

# auth methods: enable, read, tune through sys/auth/:path/tune, read the tuning back
client.sys.enable_auth_method("approle", path="hv-approle")
tuning = client.sys.read_auth_method_tuning("hv-approle")
step("auth tuning read", tuning["data"]["token_type"] == "default-service", tuning)
client.sys.tune_auth_method("hv-approle", default_lease_ttl="1h", max_lease_ttl="2h",
                            listing_visibility="unauth", audit_non_hmac_request_keys=["role_id"])
tuning = client.sys.read_auth_method_tuning("hv-approle")["data"]
step("auth tuned", tuning["default_lease_ttl"] == 3600 and tuning["max_lease_ttl"] == 7200
     and tuning["listing_visibility"] == "unauth", tuning)
methods = client.sys.list_auth_methods()
step("auth listed", "hv-approle/" in methods["data"], methods)
try:
    client.sys.read_auth_method_tuning("nothing-here")
    step("missing auth mount", False, "no error")
except hvac.exceptions.InvalidRequest as e:
    step("missing auth mount", "No auth engine at nothing-here/" in str(e), str(e))

# AppRole: role with the common token fields, a secret-id whose metadata hvac sends as json.dumps
client.sys.create_or_update_policy("hv-reader", 'path "secret/data/hv/*" { capabilities = ["read"] }')
client.auth.approle.create_or_update_approle("hv-role", token_policies=["hv-reader"], token_ttl="10m",
                                             token_period="0", token_type="default", mount_point="hv-approle")
role = client.auth.approle.read_role("hv-role", mount_point="hv-approle")["data"]
step("approle role", role["token_type"] == "default" and role["token_ttl"] == 600, role)
role_id = client.auth.approle.read_role_id("hv-role", mount_point="hv-approle")["data"]["role_id"]
sid = client.auth.approle.generate_secret_id("hv-role", metadata={"team": "payments"},
                                             mount_point="hv-approle")["data"]
app = hvac.Client(url=os.environ["VAULT_ADDR"])
app.auth.approle.login(role_id, sid["secret_id"], mount_point="hv-approle")
step("approle login", app.is_authenticated())
me = app.auth.token.lookup_self()["data"]
step("metadata from json.dumps", me["meta"]["team"] == "payments", me)
caps = app.sys.get_capabilities(paths=["secret/data/hv/x"])
step("capabilities-self", caps["capabilities"] == ["read"], caps)

# KV v2
client.secrets.kv.v2.create_or_update_secret(path="hv/db", secret={"user": "app"}, mount_point="secret")
read = app.secrets.kv.v2.read_secret_version(path="hv/db", mount_point="secret")
step("kv read", read["data"]["data"]["user"] == "app", read)
client.secrets.kv.v2.patch(path="hv/db", secret={"password": "p"}, mount_point="secret")
read = client.secrets.kv.v2.read_secret_version(path="hv/db", mount_point="secret")["data"]
step("kv patch", read["data"] == {"user": "app", "password": "p"} and read["metadata"]["version"] == 2, read)

# response wrapping: wrap a secret-id, look it up without a token, unwrap it
resp = client.adapter.post("/v1/auth/hv-approle/role/hv-role/secret-id", headers={"X-Vault-Wrap-TTL": "2m"})
wrap_token = resp["wrap_info"]["token"]
anonymous = hvac.Client(url=os.environ["VAULT_ADDR"])
looked = anonymous.adapter.post("/v1/sys/wrapping/lookup", json={"token": wrap_token})
step("wrapping lookup without a token", looked["data"]["creation_path"] == "auth/hv-approle/role/hv-role/secret-id",
     looked)
unwrapped = client.sys.unwrap(wrap_token)
step("unwrap", "secret_id" in unwrapped["data"], unwrapped)

# PKI: cert-manager-style request above max_ttl is capped with Vault's warning
client.sys.enable_secrets_engine("pki", path="hv-pki")
client.secrets.pki.generate_root("internal", "hvac root", extra_params={"key_type": "ec", "ttl": "8760h"},
                                 mount_point="hv-pki")
client.secrets.pki.create_or_update_role("web", extra_params={"allowed_domains": "example.com",
                                                              "allow_subdomains": True, "max_ttl": "72h",
                                                              "key_type": "ec"}, mount_point="hv-pki")
cert = client.secrets.pki.generate_certificate("web", "www.example.com", extra_params={"ttl": "2160h"},
                                               mount_point="hv-pki")
step("pki cap warning", any("so maxTTL is being used" in w for w in (cert.get("warnings") or [])), cert.get("warnings"))

# tools and capabilities of another token
random = client.adapter.post("/v1/sys/tools/random/16", json={"format": "hex"})
step("tools random", len(random["data"]["random_bytes"]) == 32, random)
caps = client.sys.get_capabilities(paths=["secret/data/hv/x", "sys/mounts"], token=app.token)
step("capabilities of a token", caps["sys/mounts"] == ["deny"], caps)

# errors clients match on
try:
    client.auth.token.lookup("cvs.not-a-token")
    step("bad token", False, "no error")
except hvac.exceptions.Forbidden as e:
    step("bad token", "bad token" in str(e), str(e))
try:
    client.auth.token.revoke_accessor("no-such-accessor")
    step("invalid accessor", False, "no error")
except hvac.exceptions.InvalidRequest as e:
    step("invalid accessor", "invalid accessor" in str(e), str(e))

# mounts: read the tune, move a mount
client.sys.enable_secrets_engine("kv", path="hv-kv", options={"version": "1"})
tune = client.sys.read_mount_configuration("hv-kv")["data"]
step("mount tune effective ttls", tune["default_lease_ttl"] == 2764800, tune)
client.sys.move_backend("hv-kv", "hv-kv-moved")
step("secrets moved", "hv-kv-moved/" in client.sys.list_mounted_secrets_engines()["data"])
print("all ok")
