"""Payments of units: recorded by staff in the back office, imported from a bank's CSV of
transfers (back office or ``ansinh import_payments``). Each payment settles the unit's months
(``statements.settle``) and is audited: who, unit, amount, reference (docs/contributions.md).
Only approvers (and the operator's commands) move money: ``access.require_money_role``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ansinh.audit.services import record
from ansinh.people.models import Unit

from .access import get_unit_for_staff, require_money_role, units_for_staff
from .models import Payment, PaymentSource
from .statements import settle

if TYPE_CHECKING:
    from ansinh.lib.actor import Actor


class PaymentAmountError(ValueError):
    """An amount that is not a positive integer of đồng up to ``PAYMENT_MAX_AMOUNT``."""


def check_amount(amount: object) -> int:
    """``amount`` as a payment amount: a positive integer of đồng, at most the setting
    ``PAYMENT_MAX_AMOUNT`` (forms check the same bound first, with a readable message)."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise PaymentAmountError(amount)
    if not 0 < amount <= settings.PAYMENT_MAX_AMOUNT:
        raise PaymentAmountError(amount)
    return amount


def _audit_payment(payment: Payment, *, actor: Actor) -> None:
    record(
        "payment.recorded",
        by=actor,
        details={
            "payment": str(payment.public_id),
            "unit": payment.unit.code,
            "amount": payment.amount,
            "paid_on": payment.paid_on.isoformat(),
            "source": payment.source,
            "reference": payment.bank_reference or payment.note,
        },
    )


def record_payment(
    *,
    actor: Actor,
    unit_code: str,
    amount: int,
    paid_on: dt.date,
    source: str = PaymentSource.BACKOFFICE,
    bank_reference: str | None = None,
    note: str = "",
) -> Payment:
    """Record money the unit ``unit_code`` paid and settle its months; audited (who, unit,
    amount, reference).

    Contract, checked in this order: ``actor`` must be an approver (or administrator), or the
    operator (``access.require_money_role``: ``ApproverRequired`` before anything about the unit
    is looked up); the unit must be of the actor's office (``access.get_unit_for_staff``:
    another office's unit raises ``UnitNotFound`` like an unknown code); ``amount`` must pass
    ``check_amount`` (``PaymentAmountError``). Nothing is written when any of these fails.
    """
    require_money_role(actor)
    unit = get_unit_for_staff(actor, unit_code)
    check_amount(amount)
    with transaction.atomic():
        payment = Payment.objects.create(
            unit=unit,
            amount=amount,
            paid_on=paid_on,
            source=source,
            bank_reference=bank_reference or None,
            note=note[:200],
            recorded_by=actor.user,
            recorded_at=timezone.now(),
        )
        settle(unit=unit)
        _audit_payment(payment, actor=actor)
    return payment


BANK_COLUMNS = ("bank_reference", "unit_code", "amount", "paid_on")
BANK_REFERENCE_RE = re.compile(r"[A-Za-z0-9._/-]{1,64}", re.ASCII)
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


@dataclass
class BankImportResult:
    recorded: int
    duplicates: int
    errors: list[dict[str, Any]]


def import_bank_transfers(*, text: str, actor: Actor) -> BankImportResult:
    """Import a CSV of bank transfers with columns ``bank_reference,unit_code,amount,paid_on``
    (``YYYY-MM-DD``). Validated whole like a report: any bad row imports nothing. A transfer
    whose bank reference is already recorded is skipped (importing a statement twice is safe).

    Contract: ``actor`` needs the approver role (``access.require_money_role``); a line for a
    unit of another office is ``unknown_unit`` exactly like a code that does not exist; an
    amount above ``PAYMENT_MAX_AMOUNT`` is ``amount_over_limit``. Every recorded transfer is
    audited like a payment recorded by hand, and the file once (``payment.imported``).
    """
    require_money_role(actor)
    errors: list[dict[str, Any]] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        if tuple(name.strip() for name in (reader.fieldnames or [])) != BANK_COLUMNS:
            return BankImportResult(0, 0, [{"line": 0, "fields": {"header": "invalid_header"}}])
        raw_rows = list(reader)
    except csv.Error:
        # A field over the csv module's size limit, an unterminated quote, …: bad input.
        line = reader.line_num
        return BankImportResult(0, 0, [{"line": line, "fields": {"file": "invalid_csv"}}])
    units = units_for_staff(actor, {(row.get("unit_code") or "").strip() for row in raw_rows})
    limit = settings.PAYMENT_MAX_AMOUNT
    rows: list[tuple[str, Unit, int, dt.date]] = []
    seen: set[str] = set()
    for line_no, row in enumerate(raw_rows, start=1):
        fields: dict[str, str] = {}
        reference = (row.get("bank_reference") or "").strip()
        if not BANK_REFERENCE_RE.fullmatch(reference) or reference in seen:
            fields["bank_reference"] = "invalid_bank_reference"
        unit = units.get((row.get("unit_code") or "").strip())
        if unit is None:
            fields["unit_code"] = "unknown_unit"
        amount_text = (row.get("amount") or "").strip()
        if not re.fullmatch(r"[1-9][0-9]{0,14}", amount_text, re.ASCII):
            fields["amount"] = "invalid_amount"
        elif int(amount_text) > limit:
            fields["amount"] = "amount_over_limit"
        paid_on: dt.date | None = None
        date_text = (row.get("paid_on") or "").strip()
        try:
            if not DATE_RE.fullmatch(date_text):
                raise ValueError(date_text)
            paid_on = dt.date.fromisoformat(date_text)
        except ValueError:
            fields["paid_on"] = "invalid_date"
        if fields:
            errors.append({"line": line_no, "fields": fields})
            continue
        seen.add(reference)
        assert unit is not None and paid_on is not None  # noqa: S101
        rows.append((reference, unit, int(amount_text), paid_on))
    if errors:
        return BankImportResult(0, 0, errors)
    known = set(
        Payment.objects.filter(bank_reference__in=[r[0] for r in rows]).values_list(
            "bank_reference", flat=True
        )
    )
    recorded = 0
    with transaction.atomic():
        by_unit: dict[int, Unit] = {}
        for reference, unit, amount, paid_on in rows:
            if reference in known:
                continue
            payment = Payment.objects.create(
                unit=unit,
                amount=amount,
                paid_on=paid_on,
                source=PaymentSource.BANK_IMPORT,
                bank_reference=reference,
                recorded_by=actor.user,
                recorded_at=timezone.now(),
            )
            _audit_payment(payment, actor=actor)
            by_unit[unit.pk] = unit
            recorded += 1
        for unit in by_unit.values():
            settle(unit=unit)
        record(
            "payment.imported",
            by=actor,
            details={"recorded": recorded, "duplicates": len(rows) - recorded},
        )
    return BankImportResult(recorded, len(rows) - recorded, [])


__all__ = [
    "PaymentAmountError",
    "BankImportResult",
    "check_amount",
    "import_bank_transfers",
    "record_payment",
]
