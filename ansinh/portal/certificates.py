"""The citizen's participation certificates (issue 15 §3) and the public certificate check.
Parse → ``contributions.certificates`` → render. The on-screen view is marked as a copy: the
signed PDF (its QR) is the certificate."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ansinh.contributions import certificates
from ansinh.contributions.certificate_files import certificate_pdf
from ansinh.contributions.models import Scheme
from ansinh.contributions.statement_files import PDF_TYPE
from ansinh.lib.actor import Actor, Channel
from ansinh.lib.captcha_form import CaptchaField, CaptchaFormMixin
from ansinh.lib.csrf import no_referrer_page
from ansinh.lib.errors import DomainError
from ansinh.lib.middleware import page_status

from .views import citizen_actor, citizen_page


@citizen_page
def certificate_list(request: HttpRequest) -> HttpResponseBase:
    """The person's certificates, and "Cấp giấy chứng nhận" (POST: sign the history now)."""
    actor = citizen_actor(request)
    if request.method == "POST":
        issued = certificates.issue_certificate(actor=actor)
        return redirect("portal:certificate", cert_id=issued.public_id.hex)
    mine = certificates.my_certificates(actor=actor)
    return render(request, "portal/certificates/list.html", {"certificates": mine})


@citizen_page
def certificate(request: HttpRequest, cert_id: str) -> HttpResponse:
    found = certificates.my_certificate(actor=citizen_actor(request), public_id=cert_id)
    history = certificates.history_of(found)
    schemes = [{"code": s.value, "label": s.label, **history["schemes"][s.value]} for s in Scheme]
    context = {"certificate": found, "history": history, "schemes": schemes}
    return render(request, "portal/certificates/detail.html", context)


@citizen_page
def certificate_file(request: HttpRequest, cert_id: str) -> HttpResponse:
    found = certificates.my_certificate(actor=citizen_actor(request), public_id=cert_id)
    response = HttpResponse(certificate_pdf(found), content_type=PDF_TYPE)
    response["Content-Disposition"] = f'attachment; filename="C14-TS-{found.public_id.hex}.pdf"'
    return response


@require_POST
@citizen_page
def certificate_revoke(request: HttpRequest, cert_id: str) -> HttpResponseBase:
    certificates.revoke_certificate(actor=citizen_actor(request), public_id=cert_id)
    return redirect("portal:certificate", cert_id=cert_id)


class CertificateQrForm(CaptchaFormMixin, forms.Form):
    qr = forms.CharField(
        label=_("Text of the QR code"),
        max_length=4096,
        help_text=_(
            "Scan the QR code on the certificate with a QR reader, copy the text it shows (it starts with ASC1.) and paste it here."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
    )
    captcha = CaptchaField()


@no_referrer_page
def certificate_check(request: HttpRequest) -> HttpResponse:
    """ "Kiểm tra giấy chứng nhận": a certificate checked by its QR text (online: revocation
    is known here), behind the "Mã kiểm tra"."""
    form = CertificateQrForm(request.POST if request.method == "POST" else None)
    verdict, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                verdict = certificates.verify_certificate(
                    payload=form.cleaned_data["qr"],
                    actor=Actor.from_request(request, Channel.PORTAL),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = page_status(exc)
            else:
                form = CertificateQrForm()
        elif not form.captcha_refresh_requested:
            status = 400
    context = {"form": form, "verdict": verdict}
    return render(request, "portal/public/certificate_check.html", context, status=status)
