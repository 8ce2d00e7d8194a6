from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ansinh.accounts import keys
from ansinh.lib.actor import Actor


class Command(BaseCommand):
    help = (
        "API keys of units and collection organisations: "
        "`orgkey issue CODE [--label L]`, `orgkey list [CODE]`, `orgkey revoke KEY_ID`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="issue a new key (printed once)")
        issue.add_argument("code", help="unit or collection organisation code, e.g. TA01234")
        issue.add_argument("--label", default="")
        listing = sub.add_parser("list", help="list keys (never the keys themselves)")
        listing.add_argument("code", nargs="?")
        revoke = sub.add_parser("revoke", help="revoke a key by its id (from `list`)")
        revoke.add_argument("key_id")

    def _owner(self, code: str) -> dict[str, Any]:
        owner = keys.owner_by_code(code)
        if owner is None:
            raise CommandError(f"No unit or collection organisation has the code {code!r}.")
        return dict(owner)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "issue":
            issued = keys.issue_key(
                actor=Actor.command(), label=options["label"], **self._owner(options["code"])
            )
            self.stdout.write(f"key id: {issued.key.public_id}")
            self.stdout.write(f"key:    {issued.raw}")
            self.stdout.write("Store the key now: it is not shown again.")
        elif action == "list":
            owner = self._owner(options["code"]) if options.get("code") else {}
            for key in keys.keys_of(**owner):
                state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                self.stdout.write(
                    f"{key.public_id}  {key.owner_code:<10} {key.prefix}…  {state}  {key.label}"
                )
        else:
            found = keys.get_key(options["key_id"])
            if found is None:
                raise CommandError("No key has that id (it looks like 3f2b…-…; see `orgkey list`).")
            if keys.revoke_key(key=found, actor=Actor.command()):
                self.stdout.write(f"Revoked {found.public_id}.")
            else:
                self.stdout.write("That key was already revoked.")
