"""Read side of ``AltiorClient``: change listings, gets, lookups, reference lists.

Listings are async iterators of ``Page``s so a poller can publish a page, then
store its ``next_cursor``; a record that does not decode is in ``page.errors``,
never silently dropped.  Lookups and reference lists decode strictly: a lookup
that skipped a record could create a duplicate.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from sync_streams.altior.decoding import Page, contract_error, decode, parse_page
from sync_streams.altior.models import (
    DEFAULT_CODIFICATION,
    SELLSY_KEY,
    Affaire,
    ChannelType,
    Civility,
    Codification,
    Contact,
    CustomFieldDefinition,
    CustomFieldObject,
    Establishment,
    Order,
    Quote,
    ThirdParty,
    User,
)
from sync_streams.altior.session import AltiorSession, QueryParams

M = TypeVar("M", bound=BaseModel)
MAX_LIMIT = 200


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"Altior page size must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit


def rfc3339(moment: datetime) -> str:
    """UTC with microseconds and ``Z``; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _filters(**values: Any) -> list[tuple[str, str | int]]:
    params: list[tuple[str, str | int]] = []
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            params.append((name, "true" if value else "false"))
        elif isinstance(value, datetime):
            params.append((name, rfc3339(value)))
        else:
            params.append((name, value))
    return params


class ReadEndpoints:
    _session: AltiorSession
    page_size: int

    async def iter_pages(
        self,
        path: str,
        model: type[M],
        *,
        entity: str,
        updated_since: datetime | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        filters: QueryParams = (),
    ) -> AsyncIterator[Page[M]]:
        """Every page of one list endpoint in ``(updated_at, id)`` order.

        ``cursor`` resumes after a page a previous listing returned; ``updated_since``
        (inclusive) starts from a time.  Iteration stops after the page whose
        ``has_more`` is false; that page's ``next_cursor`` resumes later.
        """
        size = check_limit(limit or self.page_size)
        position = cursor
        while True:
            params = [*_filters(updated_since=updated_since, cursor=position, limit=size), *filters]
            page = parse_page(
                model, await self._session.call("GET", path, params=params), entity=entity
            )
            self._session.stats.malformed_records += len(page.errors)
            yield page
            if not page.has_more:
                return
            if page.next_cursor is None or page.next_cursor == position:
                raise contract_error(
                    "has_more without a new next_cursor",
                    {"next_cursor": page.next_cursor, "previous": position},
                )
            position = page.next_cursor

    async def _collect(
        self, path: str, model: type[M], entity: str, filters: QueryParams = ()
    ) -> list[M]:
        out: list[M] = []
        async for page in self.iter_pages(
            path, model, entity=entity, filters=filters, limit=MAX_LIMIT
        ):
            if page.errors:
                raise page.errors[0]
            out.extend(page.items)
        return out

    # --- change listings ----------------------------------------------------------

    def third_party_pages(
        self,
        *,
        updated_since: datetime | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        archived: bool | None = None,
        kind: str | None = None,
    ) -> AsyncIterator[Page[ThirdParty]]:
        return self.iter_pages(
            "/third-parties",
            ThirdParty,
            entity="third_party",
            updated_since=updated_since,
            cursor=cursor,
            limit=limit,
            filters=_filters(archived=archived, kind=kind),
        )

    def contact_pages(
        self,
        *,
        updated_since: datetime | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        third_party_id: int | None = None,
        linked: bool | None = None,
        archived: bool | None = None,
    ) -> AsyncIterator[Page[Contact]]:
        return self.iter_pages(
            "/contacts",
            Contact,
            entity="contact",
            updated_since=updated_since,
            cursor=cursor,
            limit=limit,
            filters=_filters(third_party_id=third_party_id, linked=linked, archived=archived),
        )

    def affaire_pages(
        self,
        *,
        updated_since: datetime | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        third_party_id: int | None = None,
        status: str | None = None,
    ) -> AsyncIterator[Page[Affaire]]:
        return self.iter_pages(
            "/affaires",
            Affaire,
            entity="affaire",
            updated_since=updated_since,
            cursor=cursor,
            limit=limit,
            filters=_filters(third_party_id=third_party_id, status=status),
        )

    def quote_pages(
        self,
        *,
        updated_since: datetime | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        affaire_id: int | None = None,
    ) -> AsyncIterator[Page[Quote]]:
        return self.iter_pages(
            "/quotes",
            Quote,
            entity="quote",
            updated_since=updated_since,
            cursor=cursor,
            limit=limit,
            filters=_filters(affaire_id=affaire_id),
        )

    def order_pages(
        self,
        *,
        updated_since: datetime | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        affaire_id: int | None = None,
    ) -> AsyncIterator[Page[Order]]:
        return self.iter_pages(
            "/orders",
            Order,
            entity="order",
            updated_since=updated_since,
            cursor=cursor,
            limit=limit,
            filters=_filters(affaire_id=affaire_id),
        )

    async def list_affaire_quotes(self, affaire_id: int) -> list[Quote]:
        """Every quote (devis) of one affaire (404 when the affaire does not exist)."""
        return await self._collect(f"/affaires/{affaire_id}/quotes", Quote, "quote")

    async def list_affaire_orders(self, affaire_id: int) -> list[Order]:
        return await self._collect(f"/affaires/{affaire_id}/orders", Order, "order")

    # --- single records -----------------------------------------------------------

    async def _get(self, path: str, model: type[M], entity: str) -> M:
        return decode(model, await self._session.call("GET", path), entity=entity)

    async def get_third_party(self, third_party_id: int) -> ThirdParty:
        return await self._get(f"/third-parties/{third_party_id}", ThirdParty, "third_party")

    async def get_contact(self, contact_id: int) -> Contact:
        return await self._get(f"/contacts/{contact_id}", Contact, "contact")

    async def get_affaire(self, affaire_id: int) -> Affaire:
        return await self._get(f"/affaires/{affaire_id}", Affaire, "affaire")

    async def get_quote(self, quote_id: int) -> Quote:
        return await self._get(f"/quotes/{quote_id}", Quote, "quote")

    async def get_order(self, order_id: int) -> Order:
        return await self._get(f"/orders/{order_id}", Order, "order")

    # --- lookups ------------------------------------------------------------------

    async def _find_by_reference(
        self, path: str, model: type[M], entity: str, value: str, key: str, codification: str
    ) -> M | None:
        found = await self._collect(
            path,
            model,
            entity,
            _filters(external_codification=codification, external_key=key, external_value=value),
        )
        if len(found) > 1:
            raise contract_error(
                f"{len(found)} {entity} records share one external reference",
                {"key": key, "value": value},
            )
        return found[0] if found else None

    async def find_third_party_by_external_reference(
        self, value: str, *, key: str = SELLSY_KEY, codification: str = DEFAULT_CODIFICATION
    ) -> ThirdParty | None:
        """The third party holding ``(codification, key) = value`` (e.g. a Sellsy id)."""
        return await self._find_by_reference(
            "/third-parties", ThirdParty, "third_party", value, key, codification
        )

    async def find_contact_by_external_reference(
        self, value: str, *, key: str = SELLSY_KEY, codification: str = DEFAULT_CODIFICATION
    ) -> Contact | None:
        return await self._find_by_reference(
            "/contacts", Contact, "contact", value, key, codification
        )

    async def find_affaire_by_external_reference(
        self, value: str, *, key: str = SELLSY_KEY, codification: str = DEFAULT_CODIFICATION
    ) -> Affaire | None:
        return await self._find_by_reference(
            "/affaires", Affaire, "affaire", value, key, codification
        )

    async def find_third_parties_by_siret(self, siret: str) -> list[ThirdParty]:
        """Third parties with this SIRET (spaces and dots ignored); several may share one."""
        return await self._collect(
            "/third-parties", ThirdParty, "third_party", _filters(siret=siret)
        )

    # --- reference data -----------------------------------------------------------

    async def list_establishments(self) -> list[Establishment]:
        return await self._collect("/establishments", Establishment, "establishment")

    async def list_users(self) -> list[User]:
        return await self._collect("/users", User, "user")

    async def list_civilities(self) -> list[Civility]:
        return await self._collect("/admin/civilities", Civility, "civility")

    async def list_email_types(self) -> list[ChannelType]:
        return await self._collect("/admin/email-types", ChannelType, "email_type")

    async def list_phone_types(self) -> list[ChannelType]:
        return await self._collect("/admin/phone-types", ChannelType, "phone_type")

    async def list_url_types(self) -> list[ChannelType]:
        return await self._collect("/admin/url-types", ChannelType, "url_type")

    async def list_codifications(self) -> list[Codification]:
        return await self._collect("/admin/codifications", Codification, "codification")

    async def list_custom_fields(
        self, object: CustomFieldObject | None = None
    ) -> list[CustomFieldDefinition]:
        return await self._collect(
            "/admin/custom-fields", CustomFieldDefinition, "custom_field", _filters(object=object)
        )
