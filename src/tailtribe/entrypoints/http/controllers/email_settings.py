"""Optional emails: the signed-in user's settings, and the one-click unsubscribe
that the links and List-Unsubscribe headers of those emails point to."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, MediaType, Request, Response, get, post, put
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from tailtribe.domain.model.notifications import OptionalEmails
from tailtribe.domain.model.users import Locale
from tailtribe.domain.services.notifications.email_settings import (
    ManageEmailSettings,
    Unsubscribe,
    Unsubscription,
)
from tailtribe.entrypoints.http.auth import Req, current_user
from tailtribe.entrypoints.http.schemas.email_settings import EmailSettingsBody, EmailSettingsOut

UnsubscribeToken = Annotated[
    str, QueryParameter(min_length=1, max_length=200, description="The token from the email.")
]


class EmailSettingsController(Controller):
    path = "/api/v1/me/notifications"
    tags = ("Accounts",)

    @get(operation_id="get_email_settings")
    @inject
    async def read(
        self, request: Req, use_case: FromDishka[ManageEmailSettings]
    ) -> EmailSettingsOut:
        # Read afresh, not from the cached user: an unsubscribe link may have
        # changed them a moment ago.
        return EmailSettingsOut.of(await use_case.get(current_user(request).id))

    @put(operation_id="set_email_settings")
    @inject
    async def change(
        self,
        request: Req,
        data: JSONBody[EmailSettingsBody],
        use_case: FromDishka[ManageEmailSettings],
    ) -> EmailSettingsOut:
        settings = await use_case.change(current_user(request).id, data.settings())
        return EmailSettingsOut.of(settings)


# The page is for people, in the user's language; no script, no style, no
# other origin: the API's strict Content-Security-Policy holds for it too.
_CATEGORY = {
    Locale.EN: {
        OptionalEmails.REMINDERS: "booking reminders",
        OptionalEmails.MESSAGES: "emails about unread messages",
    },
    Locale.FR: {
        OptionalEmails.REMINDERS: "rappels de réservation",
        OptionalEmails.MESSAGES: "e-mails sur les messages non lus",
    },
    Locale.NL: {
        OptionalEmails.REMINDERS: "boekingsherinneringen",
        OptionalEmails.MESSAGES: "e-mails over ongelezen berichten",
    },
}
_TEXT = {
    Locale.EN: {
        "title": "Unsubscribe",
        "ask": "Stop receiving {category} from TailTribe?",
        "button": "Unsubscribe",
        "done": "Done: you no longer receive {category} from TailTribe.",
        "back": "You can turn them back on in your account settings. Emails about your "
        "bookings, payments and account still reach you.",
    },
    Locale.FR: {
        "title": "Se désabonner",
        "ask": "Ne plus recevoir de {category} de TailTribe ?",
        "button": "Se désabonner",
        "done": "C'est fait : vous ne recevez plus de {category} de TailTribe.",
        "back": "Vous pouvez les réactiver dans les paramètres de votre compte. Les e-mails "
        "sur vos réservations, vos paiements et votre compte vous parviennent toujours.",
    },
    Locale.NL: {
        "title": "Uitschrijven",
        "ask": "Geen {category} van TailTribe meer ontvangen?",
        "button": "Uitschrijven",
        "done": "Klaar: je ontvangt geen {category} van TailTribe meer.",
        "back": "Je kunt ze weer aanzetten in je accountinstellingen. E-mails over je "
        "boekingen, betalingen en account blijf je ontvangen.",
    },
}


def unsubscribe_page(found: Unsubscription, token: str) -> str:
    """Asks to confirm with a button (a POST), or says the emails are off."""
    text = _TEXT[found.locale]
    category = _CATEGORY[found.locale][found.category]
    if found.off:
        body = f"<p>{escape(text['done'].format(category=category))}</p>\n"
    else:
        # Relative to /api/v1/unsubscribe: the same address, wherever the API is mounted.
        action = escape(f"unsubscribe?token={token}")
        body = (
            f"<p>{escape(text['ask'].format(category=category))}</p>\n"
            f'<form method="post" action="{action}">'
            f'<button type="submit">{escape(text["button"])}</button></form>\n'
        )
    return (
        f'<!DOCTYPE html>\n<html lang="{found.locale.value}">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width"><meta name="robots" '
        f'content="noindex"><title>TailTribe: {escape(text["title"])}</title></head>\n'
        f"<body>\n<h1>TailTribe</h1>\n{body}<p>{escape(text['back'])}</p>\n</body>\n</html>\n"
    )


def _html(page: str) -> Response[str]:
    # Never kept by a cache: the page answers for one account's token.
    return Response(page, media_type=MediaType.HTML, headers={"Cache-Control": "no-store"})


class UnsubscribeController(Controller):
    """No sign-in: the signed token is the proof (RFC 8058 one-click)."""

    path = "/api/v1/unsubscribe"
    tags = ("Accounts",)

    @get(operation_id="unsubscribe_page", exclude_from_auth=True, media_type=MediaType.HTML)
    @inject
    async def page(
        self, token: UnsubscribeToken, use_case: FromDishka[Unsubscribe]
    ) -> Response[str]:
        """Changes nothing: mail scanners follow links."""
        return _html(unsubscribe_page(await use_case.check(token), token))

    @post(
        operation_id="unsubscribe",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        media_type=MediaType.HTML,
    )
    @inject
    async def unsubscribe(
        self,
        request: Request[Any, Any, Any],
        token: UnsubscribeToken,
        use_case: FromDishka[Unsubscribe],
    ) -> Response[str]:
        # Mailbox providers send `List-Unsubscribe=One-Click` as a form; the
        # page's button sends an empty form. Either way the token decides:
        # the body is read (to keep the connection usable) and not looked at.
        await request.body()
        return _html(unsubscribe_page(await use_case(token), token))
