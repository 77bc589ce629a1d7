"""The personal data export's ZIP: JSON in the API's own representations
(the schemas the clients read), the photos' largest variants, a README."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any
from uuid import UUID

import msgspec

from tailtribe.domain.model.bookings import shown_text
from tailtribe.domain.model.caregivers import shown_publicly
from tailtribe.domain.model.photos import Photo, PhotoStatus
from tailtribe.domain.model.series import WEEKDAYS, BookingSeries
from tailtribe.domain.model.users import Locale
from tailtribe.domain.services.documents.read import DocumentView
from tailtribe.domain.services.privacy.export import AccountData
from tailtribe.entrypoints.http.schemas.accounts import UserOut
from tailtribe.entrypoints.http.schemas.bookings import (
    BookingOut,
    LedgerEntryOut,
    Money,
    ReviewOut,
)
from tailtribe.entrypoints.http.schemas.caregivers import ProfileOut
from tailtribe.entrypoints.http.schemas.conversations import ConversationOut, MessageOut
from tailtribe.entrypoints.http.schemas.documents import DocumentOut
from tailtribe.entrypoints.http.schemas.email_settings import EmailSettingsOut
from tailtribe.entrypoints.http.schemas.meet_and_greets import MeetAndGreetOut
from tailtribe.entrypoints.http.schemas.pets import PetOut
from tailtribe.entrypoints.http.schemas.tax_details import TaxDetailsOut, TaxDetailsStatusOut

README = {
    Locale.EN: """Your TailTribe data export
Made on {generated} (UTC) for {name}.

The JSON files hold the same fields the TailTribe app reads from our API.
Instants are RFC 3339 with an offset; amounts are integer cents (EUR).

account.json            your account: email, name, language, roles (no password)
email_settings.json     which optional emails you get (reminders, unread messages)
pets.json               your pets, with their photos
caregiver_profile.json  your caregiver profile if you have one: services and
                        prices, weekly calendar, blocked periods, decisions, gallery
bookings.json           the bookings you made (as_owner) and took (as_caregiver),
                        with prices and the payment history you can see
conversations.json      your conversations and every message in them; the other
                        party is named as the app shows them
reviews.json            the reviews you wrote and received, with replies
favorites.json          the caregivers you saved, with when
meet_and_greets.json    the meet-and-greets you asked for and were asked for
series.json             the weekly series you asked for (as_owner) and were asked
                        for (as_caregiver), with their bookings' ids
tax_details.json        the tax details you gave as a caregiver (DAC7), if any
tax_requests.json       when we asked you for them and reminded you, and whether
                        your payouts are withheld meanwhile
documents.json          the receipts, invoices, notes and statements issued to you
documents/              their PDF files, named by their number
photos/                 your photos and those of your conversations, in the
                        largest size we keep, named by the photo's id
""",
    Locale.NL: """Je TailTribe-gegevensexport
Gemaakt op {generated} (UTC) voor {name}.

De JSON-bestanden bevatten dezelfde velden die de TailTribe-app uit onze API leest.
Tijdstippen zijn RFC 3339 met een offset; bedragen zijn gehele centen (EUR).

account.json            je account: e-mail, naam, taal, rollen (geen wachtwoord)
email_settings.json     welke optionele e-mails je krijgt (herinneringen, ongelezen berichten)
pets.json               je huisdieren, met hun foto's
caregiver_profile.json  je oppasprofiel als je er een hebt: diensten en prijzen,
                        weekrooster, geblokkeerde periodes, beslissingen, galerij
bookings.json           de boekingen die je maakte (as_owner) en aannam
                        (as_caregiver), met prijzen en de betalingen die je ziet
conversations.json      je gesprekken en al hun berichten; de andere partij
                        staat er zoals de app ze toont
reviews.json            de beoordelingen die je schreef en kreeg, met antwoorden
favorites.json          de oppassers die je bewaarde, met wanneer
meet_and_greets.json    de kennismakingen die je vroeg en die jou gevraagd werden
series.json             de wekelijkse reeksen die je vroeg (as_owner) en die jou
                        gevraagd werden (as_caregiver), met de id's van hun boekingen
tax_details.json        je fiscale gegevens als oppasser (DAC7), als je ze gaf
tax_requests.json       wanneer we ze vroegen en je eraan herinnerden, en of je
                        uitbetalingen intussen ingehouden worden
documents.json          de betalingsbewijzen, facturen, nota's en overzichten die
                        je van ons kreeg
documents/              hun pdf-bestanden, genoemd naar hun nummer
photos/                 je foto's en die van je gesprekken, in het grootste
                        formaat dat we bewaren, genoemd naar het id van de foto
""",
    Locale.FR: """Votre export de données TailTribe
Créé le {generated} (UTC) pour {name}.

Les fichiers JSON contiennent les champs que l'app TailTribe lit dans notre API.
Les instants sont au format RFC 3339 avec décalage ; les montants en centimes (EUR).

account.json            votre compte : e-mail, nom, langue, rôles (sans mot de passe)
email_settings.json     les e-mails facultatifs que vous recevez (rappels, messages non lus)
pets.json               vos animaux, avec leurs photos
caregiver_profile.json  votre profil de pet-sitter si vous en avez un : services et
                        prix, horaire hebdomadaire, périodes bloquées, décisions, galerie
bookings.json           les réservations faites (as_owner) et reçues (as_caregiver),
                        avec les prix et l'historique des paiements visible pour vous
conversations.json      vos conversations et tous leurs messages ; l'autre partie
                        est nommée comme l'app la montre
reviews.json            les avis écrits et reçus, avec les réponses
favorites.json          les pet-sitters que vous avez enregistrés, avec la date
meet_and_greets.json    les rencontres demandées par vous et à vous
series.json             les séries hebdomadaires demandées par vous (as_owner) et
                        à vous (as_caregiver), avec les id de leurs réservations
tax_details.json        vos données fiscales de pet-sitter (DAC7), si données
tax_requests.json       quand nous vous les avons demandées et rappelées, et si vos
                        versements sont suspendus entre-temps
documents.json          les reçus, factures, notes et relevés qui vous ont été émis
documents/              leurs fichiers PDF, nommés par leur numéro
photos/                 vos photos et celles de vos conversations, dans la plus
                        grande taille conservée, nommées par l'id de la photo
""",
}


def _plain(value: object) -> Any:
    return msgspec.to_builtins(value)


def _photo_file(photo_id: UUID, data: AccountData) -> str | None:
    return f"photos/{photo_id}.webp" if photo_id in data.photo_files else None


def _photo(photo: Photo, data: AccountData) -> dict[str, Any]:
    # In place of the API's short-lived addresses: the file in this archive.
    return {"id": str(photo.id), "status": photo.status.value, "file": _photo_file(photo.id, data)}


def _message(message: MessageOut, data: AccountData, names: dict[UUID, str]) -> dict[str, Any]:
    shown: dict[str, Any] = _plain(message)
    shown["sender_name"] = names.get(message.sender_id)
    shown["photos"] = [
        {"id": p["id"], "status": p["status"], "file": _photo_file(UUID(p["id"]), data)}
        for p in shown["photos"]
    ]
    return shown


def _booking(data: AccountData, booking: Any, *, as_owner: bool) -> dict[str, Any]:
    shown: dict[str, Any] = _plain(BookingOut.of(booking, for_owner=as_owner))
    if shown.get("payment") is not None:
        # A credential for confirming the card, useless once the booking moved on.
        shown["payment"]["client_secret"] = None
    shown["payment_history"] = [
        {
            k: v
            for k, v in _plain(
                LedgerEntryOut(
                    e.id,
                    e.movement,
                    e.source,
                    e.destination,
                    Money(e.amount_cents),
                    e.reference,
                    e.occurred_at,
                )
            ).items()
            if k != "reference"  # the payment provider's internal object ids
        }
        for e in data.payments.get(booking.id, [])
    ]
    return shown


def _series(series: BookingSeries, data: AccountData, *, as_owner: bool) -> dict[str, Any]:
    """The series as asked, without the payment provider's ids; its
    occurrences are in bookings.json. The owner's message as each party sees
    it: the caregiver's copy keeps contacts masked until the series is accepted."""
    bookings = data.bookings_as_owner if as_owner else data.bookings_as_caregiver
    pattern = series.pattern
    return {
        "id": str(series.id),
        "owner_id": str(series.owner_id),
        "caregiver_id": str(series.caregiver_id),
        "service": series.service.value,
        "pet_ids": [str(p) for p in series.pet_ids],
        "repeat": {
            "weekdays": [WEEKDAYS[d] for d in pattern.weekdays],
            "start_time": pattern.start_time.strftime("%H:%M"),
            "duration_minutes": pattern.duration_minutes,
            "first_date": pattern.first_date.isoformat(),
            "count": pattern.count,
            "until": None if pattern.until is None else pattern.until.isoformat(),
        },
        "first_start": _plain(series.first_start),
        "created_at": _plain(series.created_at),
        "status": series.status.value,
        "decided_at": _plain(series.decided_at),
        "message": (
            series.message
            if as_owner or series.message is None
            else shown_text(series.message, series.accepted)
        ),
        "booking_ids": [
            str(b.id) for b in sorted(bookings, key=lambda b: b.start) if b.series_id == series.id
        ],
    }


def documents(data: AccountData) -> dict[str, Any]:
    """Each JSON file's content, by file name."""
    conversations = []
    for c in data.conversations:
        conversation = c.view.conversation
        names = {
            conversation.owner_id: c.view.owner_name,
            conversation.caregiver_user_id: c.view.caregiver_name,
        }
        shown = _plain(ConversationOut.of(c.view))
        shown.pop("last_message")  # it is the last of `messages`
        shown["messages"] = [_message(MessageOut.of(m), data, names) for m in c.messages]
        conversations.append(shown)
    profile = None
    if data.caregiver is not None:
        profile = _plain(ProfileOut.of(data.caregiver))
        profile["photos"] = [_photo(p, data) for p in data.gallery]
    pets = []
    for pet, photos in data.pets:
        shown = _plain(PetOut.of(pet))
        shown["photos"] = [_photo(p, data) for p in photos if p.status is PhotoStatus.READY]
        pets.append(shown)
    return {
        "account.json": _plain(UserOut.of(data.user)),
        "email_settings.json": _plain(EmailSettingsOut.of(data.user.email_settings)),
        "pets.json": pets,
        "caregiver_profile.json": profile,
        "bookings.json": {
            "as_owner": [_booking(data, b, as_owner=True) for b in data.bookings_as_owner],
            "as_caregiver": [_booking(data, b, as_owner=False) for b in data.bookings_as_caregiver],
        },
        "conversations.json": conversations,
        "reviews.json": {
            "written": [_plain(ReviewOut.of(r)) for r in data.reviews_written],
            "received": [_plain(ReviewOut.of(r)) for r in data.reviews_received],
        },
        "favorites.json": [
            {
                "caregiver_id": str(f.caregiver_id),
                "display_name": shown_publicly(f.display_name),
                "saved_at": _plain(f.created_at),
            }
            for f in data.favorites
        ],
        "meet_and_greets.json": [_plain(MeetAndGreetOut.of(m)) for m in data.meet_and_greets],
        "tax_details.json": (
            None if data.tax_details is None else _plain(TaxDetailsOut.of(data.tax_details))
        ),
        "documents.json": [
            _plain(DocumentOut.of(DocumentView(stored, None))) for stored in data.money_documents
        ],
        "tax_requests.json": (
            None if data.tax_status is None else _plain(TaxDetailsStatusOut.of(data.tax_status))
        ),
        "series.json": {
            "as_owner": [_series(s, data, as_owner=True) for s in data.series_as_owner],
            "as_caregiver": [_series(s, data, as_owner=False) for s in data.series_as_caregiver],
        },
    }


def write_archive(data: AccountData) -> bytes:
    """The ZIP's bytes; the same data always gives the same bytes."""
    buffer = io.BytesIO()
    stamp = data.generated_at.timetuple()[:6]

    def add(name: str, content: bytes) -> None:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, content)

    with zipfile.ZipFile(buffer, "w") as archive:
        readme = README[data.user.locale].format(
            generated=data.generated_at.strftime("%Y-%m-%d %H:%M"), name=data.user.full_name
        )
        add("README.txt", readme.encode())
        for name, content in documents(data).items():
            add(name, json.dumps(content, ensure_ascii=False, indent=2).encode())
        for photo_id, blob in data.photo_files.items():
            add(f"photos/{photo_id}.webp", blob)
        for number, pdf in data.document_files.items():
            add(f"documents/{number}.pdf", pdf)
    return buffer.getvalue()
