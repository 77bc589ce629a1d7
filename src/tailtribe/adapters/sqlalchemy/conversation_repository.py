from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Table,
    TextualSelect,
    and_,
    bindparam,
    case,
    func,
    inspect,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, make_transient_to_detached

from tailtribe.adapters.sqlalchemy.mapping import Codec, Embedded, RowMapper
from tailtribe.adapters.sqlalchemy.tables import (
    CaregiverRow,
    ConversationRow,
    MessageRow,
    UserRow,
)
from tailtribe.domain.errors import Conflict
from tailtribe.domain.model.conversations import Conversation, Message
from tailtribe.domain.model.notifications import Party
from tailtribe.domain.ports.storage import ConversationSummary, Page, UnreadCandidate

# Each party's read state in columns named by its side (owner_read_seq...).
CONVERSATION_ROW = RowMapper(
    Conversation,
    embedded={
        "owner_side": Embedded(prefix="owner_"),
        "caregiver_side": Embedded(prefix="caregiver_"),
    },
)
# The photo ids are a JSON list of strings.
_PHOTO_IDS: Codec[tuple[UUID, ...]] = Codec(
    lambda ids: [str(p) for p in ids], lambda stored: tuple(UUID(p) for p in stored)
)
MESSAGE_ROW = RowMapper(Message, codecs={tuple[UUID, ...]: _PHOTO_IDS})


_TABLE = cast(Table, ConversationRow.__table__)
# Every column the domain fills (all but the ORM's insert sentinel), by attribute.
_KEYS = {a.columns[0].name: a.key for a in inspect(ConversationRow).column_attrs}
_STORED = [c for c in _TABLE.c if c.name != "sa_orm_sentinel"]


def _insert_new() -> TextualSelect:
    """INSERT the pair's conversation unless the pair has one; RETURNING its id
    if new. Written out, since neither dialect's ON CONFLICT construct has a
    cache key: built from it, the statement would be compiled on every call.
    The same text runs on PostgreSQL and SQLite (3.35 and later)."""
    names = ", ".join(c.name for c in _STORED)
    params = ", ".join(f":{c.name}" for c in _STORED)
    # Names from the table's own definition; every value is bound.
    sql = f"INSERT INTO {_TABLE.name} ({names}) VALUES ({params}) "  # noqa: S608
    sql += "ON CONFLICT (owner_id, caregiver_id) DO NOTHING RETURNING id"
    typed = (bindparam(c.name, type_=c.type) for c in _STORED)
    return text(sql).bindparams(*typed).columns(_TABLE.c.id)


_INSERT_NEW = _insert_new()


def _conversation(row: ConversationRow) -> Conversation:
    return CONVERSATION_ROW.load(row)


def _fill(row: ConversationRow, c: Conversation) -> None:
    CONVERSATION_ROW.dump(c, row)


def _message(row: MessageRow) -> Message:
    return MESSAGE_ROW.load(row)


class SqlConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _one(self, where: ColumnElement[bool]) -> Conversation | None:
        row = await self._session.scalar(
            select(ConversationRow)
            .where(where)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return None if row is None else _conversation(row)

    async def get(self, conversation_id: UUID) -> Conversation | None:
        return await self._one(ConversationRow.id == conversation_id)

    async def find(self, conversation_id: UUID) -> Conversation | None:
        row = await self._session.get(ConversationRow, conversation_id, populate_existing=True)
        return None if row is None else _conversation(row)

    async def get_for_pair(self, owner_id: UUID, caregiver_id: UUID) -> Conversation | None:
        return await self._one(
            and_(ConversationRow.owner_id == owner_id, ConversationRow.caregiver_id == caregiver_id)
        )

    async def add(self, conversation: Conversation) -> None:
        row = ConversationRow(id=conversation.id)
        _fill(row, conversation)
        # The pair's unique key decides between concurrent openings: ON CONFLICT
        # DO NOTHING instead of a savepoint around a failing INSERT, so the
        # loser's transaction goes on without two extra round trips.
        values = {c.name: getattr(row, _KEYS[c.name]) for c in _STORED}
        await self._session.flush()  # rows it points at that this unit of work added go first
        try:
            result = await self._session.execute(_INSERT_NEW, values)
            inserted = result.scalar_one_or_none()
        except IntegrityError as exc:
            raise Conflict("the pair has a conversation already") from exc
        if inserted is None:
            raise Conflict("the pair has a conversation already")
        # Stored as it is: the session takes the row as loaded, so a later
        # save() updates it without reading it back.
        make_transient_to_detached(row)
        self._session.add(row)

    async def save(self, conversation: Conversation) -> None:
        row = await self._session.get(ConversationRow, conversation.id)
        if row is None:
            raise LookupError(f"conversation {conversation.id} is not stored")
        _fill(row, conversation)

    async def add_message(self, message: Message) -> None:
        self._session.add(MESSAGE_ROW.dump(message, MessageRow()))
        await self._session.flush()

    async def message(self, message_id: UUID) -> Message | None:
        row = await self._session.get(MessageRow, message_id)
        return None if row is None else _message(row)

    async def messages(
        self, conversation_id: UUID, before_seq: int | None, limit: int
    ) -> Sequence[Message]:
        query = select(MessageRow).where(MessageRow.conversation_id == conversation_id)
        if before_seq is not None:
            query = query.where(MessageRow.seq < before_seq)
        rows = await self._session.scalars(query.order_by(MessageRow.seq.desc()).limit(limit))
        return [_message(r) for r in rows]

    async def list_for(self, user_id: UUID, limit: int, offset: int) -> Page[ConversationSummary]:
        mine = or_(
            ConversationRow.owner_id == user_id, ConversationRow.caregiver_user_id == user_id
        )
        total = await self._session.scalar(
            select(func.count()).select_from(ConversationRow).where(mine)
        )
        last = aliased(MessageRow)
        rows = await self._session.execute(
            select(ConversationRow, last, UserRow.full_name, CaregiverRow.display_name)
            .join(UserRow, UserRow.id == ConversationRow.owner_id)
            .join(CaregiverRow, CaregiverRow.id == ConversationRow.caregiver_id)
            .outerjoin(
                last,
                and_(
                    last.conversation_id == ConversationRow.id, last.seq == ConversationRow.last_seq
                ),
            )
            .where(mine)
            .order_by(
                func.coalesce(ConversationRow.last_message_at, ConversationRow.created_at).desc(),
                ConversationRow.id.desc(),
            )
            .limit(limit)
            .offset(offset)
        )
        return Page(
            [
                ConversationSummary(
                    _conversation(c), None if m is None else _message(m), owner, caregiver
                )
                for c, m, owner, caregiver in rows.tuples()
            ],
            total or 0,
        )

    async def unread_candidates(
        self, posted_before: datetime, notified_before: datetime, limit: int
    ) -> Sequence[UnreadCandidate]:
        c = ConversationRow
        sides = (
            (Party.OWNER, c.owner_read_seq, c.owner_notified_seq, c.owner_notified_at),
            (
                Party.CAREGIVER,
                c.caregiver_read_seq,
                c.caregiver_notified_seq,
                c.caregiver_notified_at,
            ),
        )
        queries = []
        for party, read, notified, notified_at in sides:
            first = case((read > notified, read), else_=notified) + 1
            queries.append(
                select(
                    c.id.label("conversation_id"),
                    MessageRow.created_at.label("posted_at"),
                    literal(party.value).label("party"),
                )
                .join(
                    MessageRow,
                    and_(MessageRow.conversation_id == c.id, MessageRow.seq == first),
                )
                .where(
                    c.last_seq >= first,
                    MessageRow.created_at <= posted_before,
                    or_(notified_at.is_(None), notified_at <= notified_before),
                )
            )
        found = union_all(*queries).subquery()
        rows = await self._session.execute(select(found).order_by(found.c.posted_at).limit(limit))
        return [
            UnreadCandidate(row.conversation_id, Party(row.party), row.posted_at) for row in rows
        ]
