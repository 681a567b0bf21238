"""Referral flows: who refers, how many, whether people are connected, and where they go."""

from socialrx import ui
from socialrx.views import referral_flows

context = ui.current()
ui.page_header(
    "Referral flows",
    context,
    "How many people were referred, by whom, from which "
    "practices and areas, and where they were sent.",
)
if ui.needs(context, "referrals"):
    ui.needs(context, "connections")  # says what the Sankey would need
    ui.draw(referral_flows.panels(context.dataset, context.selection, context.level))
