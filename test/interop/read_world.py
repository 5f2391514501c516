"""Reads every ARM resource of a sandbox world through Debian's Python Azure SDKs (python3-azure), the typed
get of each resource's own client, and prints one JSON line: how many were read, and every failure.

usage: read_world.py ENDPOINT CA_FILE TOKEN WORLD_JSON_FILE
"""
import json
import sys
import time

from azure.core.credentials import AccessToken
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.resource import ResourceManagementClient

# python3-azure (2023-01) has no deployment stacks client: its generic reader with the stacks API version instead.
STACKS_API_VERSION = "2024-03-01"
# Its azure-mgmt-apimanagement (3.1.0b1, 2021-08-01) has no workspace operations: the generic reader, at the version
# apimkv reads them with.
WORKSPACES_API_VERSION = "2024-05-01"

endpoint, ca_file, token, world_file = sys.argv[1:5]
world = json.load(open(world_file))


class SandboxToken:
    def get_token(self, *scopes, **kwargs):
        return AccessToken(token, int(time.time()) + 3600)


def client(cls, subscription):
    return cls(SandboxToken(), subscription, base_url=endpoint, credential_scopes=[endpoint + "/.default"], connection_verify=ca_file)


def parts(rid):
    segs = rid.strip("/").split("/")
    return {"sub": segs[1], "rg": segs[3] if len(segs) > 3 and segs[2].lower() == "resourcegroups" else None, "names": segs[7::2]}


def reader(rtype):
    t = rtype.lower()
    if t == "microsoft.apimanagement/service":
        return lambda c, p: client(ApiManagementClient, p["sub"]).api_management_service.get(p["rg"], *p["names"])
    if t == "microsoft.apimanagement/service/certificates":
        return lambda c, p: client(ApiManagementClient, p["sub"]).certificate.get(p["rg"], *p["names"])
    if t == "microsoft.apimanagement/service/workspaces":
        return lambda c, p: client(ResourceManagementClient, p["sub"]).resources.get_by_id(c["id"], WORKSPACES_API_VERSION)
    if t == "microsoft.apimanagement/service/namedvalues":
        return lambda c, p: client(ApiManagementClient, p["sub"]).named_value.get(p["rg"], *p["names"])
    if t == "microsoft.keyvault/vaults":
        return lambda c, p: client(KeyVaultManagementClient, p["sub"]).vaults.get(p["rg"], *p["names"])
    if t == "microsoft.network/virtualnetworks":
        return lambda c, p: client(NetworkManagementClient, p["sub"]).virtual_networks.get(p["rg"], *p["names"])
    if t == "microsoft.network/virtualnetworks/subnets":
        return lambda c, p: client(NetworkManagementClient, p["sub"]).subnets.get(p["rg"], *p["names"])
    if t == "microsoft.network/networksecuritygroups":
        return lambda c, p: client(NetworkManagementClient, p["sub"]).network_security_groups.get(p["rg"], *p["names"])
    if t == "microsoft.network/networksecuritygroups/securityrules":
        return lambda c, p: client(NetworkManagementClient, p["sub"]).security_rules.get(p["rg"], *p["names"])
    if t == "microsoft.network/privateendpoints":
        return lambda c, p: client(NetworkManagementClient, p["sub"]).private_endpoints.get(p["rg"], *p["names"])
    if t == "microsoft.network/privateendpoints/privatednszonegroups":
        return lambda c, p: client(NetworkManagementClient, p["sub"]).private_dns_zone_groups.get(p["rg"], *p["names"])
    if t == "microsoft.network/privatednszones":
        return lambda c, p: client(PrivateDnsManagementClient, p["sub"]).private_zones.get(p["rg"], *p["names"])
    if t == "microsoft.network/privatednszones/virtualnetworklinks":
        return lambda c, p: client(PrivateDnsManagementClient, p["sub"]).virtual_network_links.get(p["rg"], *p["names"])
    if t == "microsoft.managedidentity/userassignedidentities":
        return lambda c, p: client(ManagedServiceIdentityClient, p["sub"]).user_assigned_identities.get(p["rg"], *p["names"])
    if t == "microsoft.authorization/roleassignments":
        return lambda c, p: client(AuthorizationManagementClient, p["sub"]).role_assignments.get_by_id(c["id"])
    if t == "microsoft.resources/deployments":
        return lambda c, p: (client(ResourceManagementClient, p["sub"]).deployments.get(p["rg"], *p["names"]) if p["rg"]
                             else client(ResourceManagementClient, p["sub"]).deployments.get_at_subscription_scope(c["id"].rsplit("/", 1)[-1]))
    if t == "microsoft.resources/deploymentstacks":
        return lambda c, p: client(ResourceManagementClient, p["sub"]).resources.get_by_id(c["id"], STACKS_API_VERSION)
    return None


read, failures = 0, []
for r in world["resources"]:
    get = reader(r["type"])
    if get is None:
        failures.append({"id": r["id"], "error": "no Python SDK reader for type " + r["type"]})
        continue
    try:
        got = get(r, parts(r["id"]))
        if got.id.lower() != r["id"].lower():
            failures.append({"id": r["id"], "error": "read back id " + str(got.id)})
        else:
            read += 1
    except Exception as e:  # report every failure, keep reading
        failures.append({"id": r["id"], "error": type(e).__name__ + ": " + str(e).splitlines()[0][:300]})

print(json.dumps({"resources": len(world["resources"]), "read": read, "failures": failures}))
sys.exit(1 if failures else 0)
