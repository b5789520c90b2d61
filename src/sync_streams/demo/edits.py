"""What the demo's "users" change on each side during the live phase.

Each edit is made through the public API with the demo's own credentials (a
salesperson in Sellsy, ``claire.martin`` in Altior) -- the sandboxes' admin
surfaces only create records -- and is announced before the sync reacts, so the
viewer sees cause and effect both ways.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sync_streams.demo.altior_desk import AltiorDesk
from sync_streams.demo.narrator import Narrator
from sync_streams.demo.seeding import AltiorSeeded, SellsySeeded
from sync_streams.demo.sellsy_desk import SellsyDesk

LANE = "demo edit"


@dataclass
class EditContext:
    sellsy: SellsyDesk
    altior: AltiorDesk
    sellsy_seed: SellsySeeded
    altior_seed: AltiorSeeded
    narrator: Narrator

    def say(self, text: str) -> None:
        self.narrator.say(datetime.now(UTC), LANE, text)


Edit = Callable[[EditContext], Awaitable[None]]


async def sellsy_phone(ctx: EditContext) -> None:
    company = ctx.sellsy_seed.id_of("dupre")
    ctx.say(f'Sellsy: company {company} "Boulangerie Dupré SARL" gets a new phone number')
    ctx.narrator.edited(("sellsy", "company", company))
    await ctx.sellsy.update("company", company, {"phone_number": "04 78 00 11 22"})


async def altior_email(ctx: EditContext) -> None:
    third_party = ctx.altior_seed.ids["a-eaux-vives"]
    ctx.say(
        f'Altior: third party {third_party} "Société Nouvelle des Eaux Vives" '
        "changes its main e-mail"
    )
    ctx.narrator.edited(("altior", "third_party", third_party))
    await ctx.altior.update(
        "third_party",
        third_party,
        {
            "emails": [{"type": "Principal", "value": "accueil@eaux-vives.fr"}],
        },
    )


async def sellsy_flag(ctx: EditContext) -> None:
    company = ctx.sellsy_seed.id_of("berard")
    ctx.say(
        f'Sellsy: company {company} "Cave Saint-Émilion Bérard" is ticked "Synchronisation Altior"'
    )
    ctx.narrator.edited(("sellsy", "company", company))
    await ctx.sellsy.set_flag("company", company, ctx.sellsy_seed.flag_field_id, True)


async def altior_new_third_party(ctx: EditContext) -> None:
    ctx.say('Altior: new third party "Distillerie Chabert-Noël" (ACME Lyon)')
    establishment = await ctx.altior.establishment_id("ACME Lyon")
    created = await ctx.altior.create(
        "third_party",
        {
            "kind": "moral",
            "name": "Distillerie Chabert-Noël",
            "establishment_id": establishment,
            "siret": "552 100 554 00005",
            "emails": [{"type": "Principal", "value": "contact@distillerie-chabert.fr"}],
            "phones": [{"type": "Fixe", "value": "04 75 23 45 67"}],
        },
    )
    ctx.narrator.remember(("altior", "third_party", int(created["id"])), created.get("name"))


async def sellsy_new_company(ctx: EditContext) -> None:
    ctx.say('Sellsy: new company "Restaurant L\'Étoile Dorée", ticked "Synchronisation Altior"')
    company = await ctx.sellsy.create(
        "company",
        {
            "type": "prospect",
            "name": "Restaurant L'Étoile Dorée",
            "email": "reservation@etoile-doree.fr",
            "phone_number": "04 72 10 20 30",
            "legal_france": {"siret": "40483304800022"},
        },
    )
    ctx.narrator.known_ids.setdefault("company", set()).add(company)
    ctx.narrator.remember(("sellsy", "company", company), "Restaurant L'Étoile Dorée")
    await ctx.sellsy.set_flag("company", company, ctx.sellsy_seed.flag_field_id, True)


async def sellsy_deal_signature(ctx: EditContext) -> None:
    opportunity = ctx.sellsy_seed.opportunities["Rénovation de la vitrine"]
    ctx.say(f'Sellsy: opportunity {opportunity} "Rénovation de la vitrine" moves to "Signature"')
    ctx.narrator.edited(("sellsy", "opportunity", opportunity))
    await ctx.sellsy.update(
        "opportunity",
        opportunity,
        {
            "pipeline": ctx.sellsy_seed.pipeline_id,
            "step": ctx.sellsy_seed.steps["Signature"],
        },
    )


async def altior_unflag_check(ctx: EditContext) -> None:
    company = ctx.sellsy_seed.id_of("chevalier")
    ctx.say(
        f'Sellsy: company {company} "Plomberie Chevalier" (not ticked) changes its e-mail: '
        "it must stay out of Altior"
    )
    ctx.narrator.edited(("sellsy", "company", company))
    await ctx.sellsy.update("company", company, {"email": "contact@plomberie-chevalier.fr"})


EDITS: list[Edit] = [
    sellsy_phone,
    altior_email,
    sellsy_flag,
    altior_new_third_party,
    sellsy_new_company,
    altior_unflag_check,
    sellsy_deal_signature,
]
