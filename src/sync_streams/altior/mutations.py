"""Write side of ``AltiorClient``: creates, updates, documents, closing, custom fields.

Writes are made as the tenant's reference user (``X-Altior-User``).  Updates
follow the contract's merge rules and are idempotent, so they are retried like
reads.  A create carrying an external reference is retried too: if the lost
first attempt did create the record, the retry collides on the reference and the
client returns that record instead of failing (or making a duplicate).  A first
attempt that collides raises ``AlreadyExistsError`` naming the holder, so callers
can create without looking the reference up first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypeVar, overload

from pydantic import BaseModel

from sync_streams.altior.decoding import decode
from sync_streams.altior.models import Affaire, Contact, CustomValue, Order, Quote, ThirdParty
from sync_streams.altior.session import DUPLICATE_REFERENCE, AltiorSession
from sync_streams.altior.writes import (
    AffaireClose,
    AffaireCreate,
    AffaireUpdate,
    ContactCreate,
    ContactUpdate,
    OrderCreate,
    QuoteCreate,
    ThirdPartyCreate,
    ThirdPartyUpdate,
)
from sync_streams.errors import AlreadyExistsError, ConfigError, RejectedError

M = TypeVar("M", bound=BaseModel)
RecordEntity = Literal["third_party", "contact", "affaire"]
_PATHS: dict[str, tuple[str, type[BaseModel]]] = {
    "third_party": ("/third-parties", ThirdParty),
    "contact": ("/contacts", Contact),
    "affaire": ("/affaires", Affaire),
}


def _holder_id(error: RejectedError) -> int | None:
    """The record that already holds the external reference (409 ``details[0].record_id``)."""
    body = error.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        for detail in body["error"].get("details") or []:
            holder = detail.get("record_id") if isinstance(detail, dict) else None
            if isinstance(holder, int) and not isinstance(holder, bool):
                return holder
    return None


class WriteEndpoints:
    _session: AltiorSession

    def _require_user(self) -> None:
        if not self._session.user_login:
            raise ConfigError(
                ["altior: user_login (the form's reference user) is required for writes"]
            )

    async def _create(self, path: str, payload: dict[str, Any], model: type[M], entity: str) -> M:
        self._require_user()
        has_reference = bool(payload.get("external_references"))

        async def recover(error: RejectedError) -> Any:
            holder = _holder_id(error)
            if holder is None:
                raise error
            return await self._session.call("GET", f"{path}/{holder}")

        try:
            body = await self._session.call(
                "POST",
                path,
                json=payload,
                idempotent=has_reference,
                recover=recover if has_reference else None,
            )
        except RejectedError as exc:
            holder = _holder_id(exc) if exc.code == DUPLICATE_REFERENCE else None
            if holder is None:
                raise
            raise AlreadyExistsError(
                f"{entity} {holder} already holds this external reference",
                system="altior",
                existing_id=holder,
                code=exc.code,
                body=exc.body,
            ) from None
        return decode(model, body, entity=entity)

    async def _write(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None,
        model: type[M],
        entity: str,
        *,
        idempotent: bool = True,
        if_match: str | None = None,
    ) -> M:
        self._require_user()
        headers = {"If-Match": f'"{if_match}"'} if if_match is not None else None
        body = await self._session.call(
            method, path, json=payload, idempotent=idempotent, headers=headers
        )
        return decode(model, body, entity=entity)

    async def create_third_party(self, data: ThirdPartyCreate) -> ThirdParty:
        return await self._create("/third-parties", data.payload(), ThirdParty, "third_party")

    async def update_third_party(
        self, third_party_id: int, data: ThirdPartyUpdate, *, if_match: str | None = None
    ) -> ThirdParty:
        """PATCH; with ``if_match`` (the ``updated_at`` the change was based on) only if
        the record is still at that version, else ``PreconditionFailedError``."""
        return await self._write(
            "PATCH",
            f"/third-parties/{third_party_id}",
            data.payload(),
            ThirdParty,
            "third_party",
            if_match=if_match,
        )

    async def create_contact(self, data: ContactCreate) -> Contact:
        return await self._create("/contacts", data.payload(), Contact, "contact")

    async def update_contact(
        self, contact_id: int, data: ContactUpdate, *, if_match: str | None = None
    ) -> Contact:
        """PATCH, conditional like ``update_third_party``."""
        return await self._write(
            "PATCH",
            f"/contacts/{contact_id}",
            data.payload(),
            Contact,
            "contact",
            if_match=if_match,
        )

    async def create_affaire(self, data: AffaireCreate) -> Affaire:
        return await self._create("/affaires", data.payload(), Affaire, "affaire")

    async def update_affaire(
        self, affaire_id: int, data: AffaireUpdate, *, if_match: str | None = None
    ) -> Affaire:
        """PATCH, conditional like ``update_third_party``."""
        return await self._write(
            "PATCH",
            f"/affaires/{affaire_id}",
            data.payload(),
            Affaire,
            "affaire",
            if_match=if_match,
        )

    async def add_quote(self, affaire_id: int, data: QuoteCreate) -> Quote:
        """Add a devis (not retried after an uncertain failure: no idempotency key)."""
        return await self._write(
            "POST",
            f"/affaires/{affaire_id}/quotes",
            data.payload(),
            Quote,
            "quote",
            idempotent=False,
        )

    async def add_order(self, affaire_id: int, data: OrderCreate) -> Order:
        return await self._write(
            "POST",
            f"/affaires/{affaire_id}/orders",
            data.payload(),
            Order,
            "order",
            idempotent=False,
        )

    async def close_affaire(
        self, affaire_id: int, status: str = "closed", closed_at: datetime | None = None
    ) -> Affaire:
        """Close as ``won``, ``lost`` or ``closed``; closing again the same way is a no-op."""
        payload = AffaireClose(status=status, closed_at=closed_at).payload()
        return await self._write(
            "POST", f"/affaires/{affaire_id}/close", payload, Affaire, "affaire"
        )

    async def reopen_affaire(self, affaire_id: int) -> Affaire:
        return await self._write("POST", f"/affaires/{affaire_id}/reopen", None, Affaire, "affaire")

    @overload
    async def set_custom_fields(
        self, entity: Literal["third_party"], record_id: int, values: dict[str, CustomValue]
    ) -> ThirdParty: ...
    @overload
    async def set_custom_fields(
        self, entity: Literal["contact"], record_id: int, values: dict[str, CustomValue]
    ) -> Contact: ...
    @overload
    async def set_custom_fields(
        self, entity: Literal["affaire"], record_id: int, values: dict[str, CustomValue]
    ) -> Affaire: ...

    async def set_custom_fields(
        self, entity: RecordEntity, record_id: int, values: dict[str, CustomValue]
    ) -> ThirdParty | Contact | Affaire:
        """Set custom fields by name (None clears one); other fields are kept."""
        path, model = _PATHS[entity]
        record = await self._write(
            "PATCH", f"{path}/{record_id}", {"custom_fields": values}, model, entity
        )
        assert isinstance(record, ThirdParty | Contact | Affaire)
        return record
