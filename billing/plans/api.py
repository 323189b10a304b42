"""Billing Plan endpoints: ``getBillingPlans`` (anyone) and ``createBillingPlan`` (Admins)."""

from __future__ import annotations

from aimg_site.api.views import AdminPolicy, ApiView, Caller

from .selectors import plan_payload, plan_with_prices, plans_visible
from .serializers import BillingPlanOutput, CreateBillingPlanInput, GetBillingPlansQuery
from .services import plan_create


class GetBillingPlansApi(ApiView):
    """The Billing Plans of this site and environment, each price's ``paymentUrl`` built per
    provider from ``redirectURL``/``paymentURL``; ``planIDs`` filters; a plan reserved to a
    coupon ``code`` is listed only with that code."""

    operation_id = "getBillingPlans"
    caller = Caller.ANYONE
    query_serializer = GetBillingPlansQuery
    output_serializer = BillingPlanOutput
    output_many = True
    tags = ("billing",)

    def get(self, request):
        data = self.input()
        plans = plans_visible(plan_ids=data.get("planIDs"), code=data.get("code"))
        payloads = [
            plan_payload(
                plan, redirect_url=data.get("redirectURL", ""), payment_page=data.get("paymentURL", "")
            )
            for plan in plans
        ]
        return self.respond(payloads)


class CreateBillingPlanApi(ApiView):
    """Admins: adds a Billing Plan to this site (every field checked against the reference's
    enumerations) and answers it."""

    operation_id = "createBillingPlan"
    caller = Caller.ANYONE
    admin_policy = AdminPolicy.REQUIRED
    audit_action = "createBillingPlan"
    body_serializer = CreateBillingPlanInput
    output_serializer = BillingPlanOutput
    tags = ("billing",)

    def post(self, request):
        data = self.input()
        plan = plan_create(
            name=data["name"],
            tier=data["tier"],
            prices=data["prices"],
            description=data.get("description", ""),
            features=data.get("features"),
            main_benefits=data.get("mainBenefits"),
            env=data.get("env"),
            coupon_code=data.get("code", ""),
        )
        self.audit(plan, name=plan.name, tier=plan.tier, env=plan.env)
        plan = plan_with_prices(plan=plan)
        return self.respond(plan_payload(plan))
