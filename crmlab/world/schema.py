"""The tables of a world and the documentation of every table and column, written into
each data package.

A test checks that every column a world produces is documented here, so the
``datapackage.json`` of a dataset always explains everything in it.
"""

from __future__ import annotations

from .truth_params import params_column_docs

__all__ = ["DATE_FIELDS", "FOREIGN_KEYS", "PRIMARY_KEYS", "SILOS", "TABLES", "TABLE_DOCS",
           "TRUTH_TABLES"]

#: Observable tables, in the order they are documented and saved.
TABLES: tuple[str, ...] = (
    "customers", "transactions", "invoices", "payments", "collections", "complaints",
    "interactions", "campaigns", "contacts", "loyalty", "referrals", "online_activity",
    "weather", "tariffs",
)
#: The separate systems' extracts (``w.silos``).
SILOS: tuple[str, ...] = ("sales", "service", "billing", "web")
#: The hidden truth's tables (``w.truth``).
TRUTH_TABLES: tuple[str, ...] = ("customers", "contacts", "invoices", "complaints",
                                 "silo_mapping", "params")

#: Columns holding calendar dates (written as YYYY-MM-DD); other datetimes keep the time.
DATE_FIELDS: frozenset[str] = frozenset({
    "customers.birth_date", "invoices.period_start", "invoices.issue_date",
    "invoices.due_date", "weather.start_date", "weather.end_date",
    "campaigns.start_date", "campaigns.end_date",
})

PRIMARY_KEYS: dict[str, str] = {
    "customers": "customer_id", "transactions": "transaction_id", "invoices": "invoice_id",
    "payments": "payment_id", "collections": "collection_id", "complaints": "complaint_id",
    "interactions": "interaction_id", "campaigns": "campaign_id", "contacts": "contact_id",
    "loyalty": "loyalty_event_id", "referrals": "referral_id", "online_activity": "post_id",
    "weather": "event_id", "tariffs": "tariff_id",
    "truth/customers": "customer_id", "truth/invoices": "invoice_id",
    "truth/complaints": "complaint_id",
}

#: (table, column) -> (referenced table, referenced column)
FOREIGN_KEYS: dict[tuple[str, str], tuple[str, str]] = {
    ("transactions", "customer_id"): ("customers", "customer_id"),
    ("invoices", "customer_id"): ("customers", "customer_id"),
    ("invoices", "tariff_id"): ("tariffs", "tariff_id"),
    ("customers", "tariff_id"): ("tariffs", "tariff_id"),
    ("payments", "invoice_id"): ("invoices", "invoice_id"),
    ("payments", "customer_id"): ("customers", "customer_id"),
    ("collections", "invoice_id"): ("invoices", "invoice_id"),
    ("collections", "customer_id"): ("customers", "customer_id"),
    ("complaints", "customer_id"): ("customers", "customer_id"),
    ("interactions", "customer_id"): ("customers", "customer_id"),
    ("contacts", "customer_id"): ("customers", "customer_id"),
    ("contacts", "campaign_id"): ("campaigns", "campaign_id"),
    ("loyalty", "customer_id"): ("customers", "customer_id"),
    ("referrals", "referrer_id"): ("customers", "customer_id"),
    ("referrals", "referred_id"): ("customers", "customer_id"),
    ("online_activity", "customer_id"): ("customers", "customer_id"),
    ("truth/customers", "customer_id"): ("customers", "customer_id"),
    ("truth/contacts", "customer_id"): ("customers", "customer_id"),
    ("truth/contacts", "campaign_id"): ("campaigns", "campaign_id"),
    ("truth/invoices", "invoice_id"): ("invoices", "invoice_id"),
    ("truth/complaints", "complaint_id"): ("complaints", "complaint_id"),
    ("truth/silo_mapping", "customer_id"): ("customers", "customer_id"),
}

_MONEY = "in the dataset's currency (see the package's `currency`)"
#: What each covariate of config.purchases.gamma_purchase / gamma_dropout is.
_COVARIATE_DOCS = {
    "female": "1 for women, 0 for men",
    "age": "age at sign-up in decades from 40",
    "web": "1 if acquired on the web",
    "call_centre": "1 if acquired by the call centre",
    "partner": "1 if acquired by a partner",
    "referral": "1 if referred by a customer",
}

#: table -> (description, {column: description})
TABLE_DOCS: dict[str, tuple[str, dict[str, str]]] = {
    "customers": (
        "One row per customer ever acquired, prepaid or postpaid, as the operator's "
        "customer master knows them.",
        {
            "customer_id": "Customer key, 'C' and 7 digits.",
            "first_name": "Given name.",
            "last_name": "Family name.",
            "gender": "female or male.",
            "birth_date": "Date of birth.",
            "province": "Province (state) of residence.",
            "city": "City of residence.",
            "address": "Street address at sign-up.",
            "phone": "Mobile number in the locale's usual format.",
            "email": "E-mail address (synthetic domains).",
            "signup_date": "When the customer joined (first purchase or contract start).",
            "acquisition_channel": "How they were acquired: store, web, call_centre, "
                                   "partner or referral.",
            "plan": "prepaid (top-ups, no contract) or postpaid (monthly invoices).",
            "tariff_id": "Postpaid tariff; empty for prepaid customers.",
            "status": "active, churned or won_back for postpaid contracts; no_contract for "
                      "prepaid customers, whose leaving is never observed.",
            "churn_date": "When a postpaid contract ended (empty if still active); for "
                          "won-back customers, the final end if any.",
            "winback_date": "When a customer who had left came back after an executive's "
                            "call (empty otherwise).",
        },
    ),
    "transactions": (
        "Prepaid top-ups and store purchases, one row per purchase.",
        {
            "transaction_id": "Purchase key.",
            "customer_id": "Who bought.",
            "timestamp": "When.",
            "amount": f"Value of the purchase {_MONEY}.",
            "channel": "retailer, app, web or store.",
            "kind": "top_up or store_purchase.",
        },
    ),
    "invoices": (
        "Monthly postpaid invoices, one per customer and billing month.",
        {
            "invoice_id": "Invoice key.",
            "customer_id": "Billed customer.",
            "tariff_id": "Tariff billed.",
            "period_start": "First day of the billed month (the cycle starts at sign-up).",
            "issue_date": "Date the invoice was issued (end of the billed month).",
            "due_date": "Payment due date, 14 days after issue.",
            "usage_gb": "Data used in the month, GB.",
            "amount": f"Amount billed {_MONEY}; a small share of bills are wrong.",
            "adjustment": f"Correction after a successful dispute {_MONEY} (negative = "
                          "credit); 0 otherwise.",
            "disputed": "Whether the customer disputed the bill.",
            "status": "paid_on_time, paid_late, written_off or open (unpaid at the end).",
            "collection_step": "Furthest collection step reached: none, reminder, call, "
                               "suspension, write_off.",
        },
    ),
    "payments": (
        "Payments of invoices.",
        {
            "payment_id": "Payment key.",
            "invoice_id": "Invoice paid.",
            "customer_id": "Paying customer.",
            "timestamp": "When the payment arrived.",
            "amount": f"Amount paid (bill plus adjustment) {_MONEY}.",
            "method": "card, bank_transfer, app or cash.",
        },
    ),
    "collections": (
        "Collection steps taken on overdue invoices: a reminder 7 days after the due "
        "date, a call at 21, suspension at 45, write-off at 90.",
        {
            "collection_id": "Collection step key.",
            "invoice_id": "Overdue invoice.",
            "customer_id": "Customer owing.",
            "timestamp": "When the step was taken.",
            "step": "reminder, call, suspension or write_off.",
            "amount_due": f"Amount owed {_MONEY}.",
        },
    ),
    "complaints": (
        "Customer complaints with their handling.",
        {
            "complaint_id": "Complaint key.",
            "customer_id": "Who complained.",
            "opened_at": "When the complaint was made.",
            "category": "repair_delay, billing_error, network_quality, outage, staff or "
                        "collections.",
            "channel": "call_centre, sms, web, store or social.",
            "province": "Customer's province.",
            "first_response_hours": "Hours until the first response.",
            "escalation_level": "0 = front line, 1-2 = supervisors, 3 = an executive.",
            "resolved_at": "When the case was resolved (empty if never resolved).",
            "satisfaction": "Customer's rating of the handling, 1 (very unhappy) to 5.",
        },
    ),
    "interactions": (
        "Every touchpoint with a customer, whatever its purpose, channel or source "
        "system: the one view of the customer.",
        {
            "interaction_id": "Interaction key.",
            "customer_id": "Customer involved.",
            "timestamp": "When.",
            "purpose": "signup, store_visit, complaint, escalation, executive_call, "
                       "billing_dispute, collections, campaign_contact, churn or winback.",
            "channel": "store, web, call_centre, partner, sms, email, social or "
                       "phone_outbound.",
            "source_system": "System that recorded it: sales, service, billing, marketing "
                             "or web.",
            "reference_id": "Key of the related record (complaint, contact, collection "
                            "step, purchase); empty when there is none.",
        },
    ),
    "weather": (
        "Snow storms and floods by province: they delay repairs and raise complaints.",
        {
            "event_id": "Weather event key.",
            "province": "Affected province.",
            "event_type": "snow or flood.",
            "start_date": "First day of the event.",
            "end_date": "Last day of the event.",
            "severity": "0-1; repairs and outages rise with it.",
        },
    ),
    "tariffs": (
        "Postpaid tariffs.",
        {
            "tariff_id": "Tariff key.",
            "name": "Tariff name.",
            "monthly_fee": f"Monthly fee {_MONEY}.",
            "included_gb": "Data included per month, GB.",
            "overage_per_gb": f"Price per GB beyond the allowance {_MONEY}.",
        },
    ),
    "campaigns": (
        "The marketing calendar: database-marketing call lists, retention offers and "
        "win-back campaigns.",
        {
            "campaign_id": "Campaign key.",
            "name": "Readable campaign name.",
            "kind": "call_list (ranked by past response), retention (valuable customers "
                    "at risk) or winback (lapsed or recently churned).",
            "channel": "call_centre, sms or email.",
            "target_plan": "prepaid, postpaid or all.",
            "start_date": "First day of the campaign.",
            "end_date": "Last day of the campaign.",
            "cost_per_contact": f"Cost of contacting one customer {_MONEY}.",
            "offer_value": f"Cost of the incentive when a contacted customer responds "
                           f"{_MONEY}.",
            "list_share": "Share of eligible customers put on the list.",
            "holdout_share": "Share of the list kept as an uncontacted control group.",
        },
    ),
    "contacts": (
        "Customers on each campaign's list: contacted (treatment) or held back "
        "(control), and whether they responded.",
        {
            "contact_id": "Contact key.",
            "campaign_id": "Campaign.",
            "customer_id": "Customer on the list.",
            "timestamp": "When the customer was contacted (or would have been).",
            "group": "treatment (contacted) or control (held back at random).",
            "channel": "Channel of the campaign.",
            "responded": "Bought or renewed during the campaign window.",
            "revenue": f"Revenue the response brought {_MONEY}; 0 without a response.",
            "offer_cost": f"Incentive paid {_MONEY}.",
            "contact_cost": f"Cost of the contact {_MONEY} (0 for the control group).",
        },
    ),
    "loyalty": (
        "Loyalty programme events: joining, earning and redeeming points.",
        {
            "loyalty_event_id": "Event key.",
            "customer_id": "Member.",
            "timestamp": "When.",
            "event": "join, earn or redeem.",
            "points": "Points earned (positive) or redeemed (negative).",
            "balance": "Points balance after the event.",
        },
    ),
    "referrals": (
        "Who brought whom: one row per referred customer.",
        {
            "referral_id": "Referral key.",
            "referrer_id": "Existing customer who made the referral.",
            "referred_id": "New customer.",
            "timestamp": "When the referred customer signed up.",
            "reward": f"Bonus paid to the referrer {_MONEY}.",
        },
    ),
    "online_activity": (
        "Customers' public posts about the operator.",
        {
            "post_id": "Post key.",
            "customer_id": "Author.",
            "timestamp": "When it was posted.",
            "platform": "instagram, x, telegram, forum or review_site.",
            "topic": "network, price, service, billing, promotion or general.",
            "sentiment": "Tone from -1 (angry) to 1 (delighted).",
            "reach": "People who saw it.",
            "shares": "Times it was shared.",
        },
    ),
    "silos/sales": (
        "The sales system's customer records (from before CRM): own account numbers, "
        "one name field, sign-up addresses.",
        {
            "account_no": "Sales account number.",
            "full_name": "Name as typed by the salesperson.",
            "phone": "Phone as (415) 555-0123 (Iran: 09123456789).",
            "address": "Address at sign-up (out of date for customers who moved).",
            "city": "City.",
            "province": "Province.",
            "signup_date": "Sign-up time.",
            "plan": "prepaid or postpaid.",
        },
    ),
    "silos/service": (
        "The service desk's contacts: everyone who ever complained.",
        {
            "contact_id": "Service contact id.",
            "customer_name": "Name as 'LAST, First' (Iran: family name first).",
            "phone": "International phone format.",
            "email": "E-mail, often missing.",
            "province": "Province.",
        },
    ),
    "silos/billing": (
        "The billing system's accounts (postpaid customers).",
        {
            "account_number": "Billing account number.",
            "first_name": "Given name.",
            "last_name": "Family name.",
            "billing_address": "Current billing address.",
            "phone": "Phone as bare digits.",
            "email": "E-mail.",
            "tariff_id": "Tariff.",
        },
    ),
    "silos/web": (
        "The web shop's registered users.",
        {
            "user_id": "Web user id.",
            "username": "Login name.",
            "email": "E-mail.",
            "display_name": "Name shown on the site.",
            "address": "Current delivery address.",
        },
    ),
    "truth/customers": (
        "HIDDEN TRUTH per customer: what generated their behaviour.",
        {
            "customer_id": "Customer key.",
            "segment": "Latent segment: loyal_heavy, steady, digital_young, price_hunter "
                       "or occasional.",
            "digital_preference": "0-1 preference for digital channels.",
            "purchase_rate": "Prepaid: true purchase rate per week while alive (BG/NBD "
                             "lambda; the mean over the year with a purchase season, "
                             "covariate effects included).",
            "dropout_probability": "Prepaid: true chance of dropping out after each "
                                   "purchase (BG/NBD p).",
            "spend_nu": "Prepaid: Gamma-Gamma nu (spend rate parameter).",
            "expected_spend": f"Prepaid: true mean spend per purchase {_MONEY}.",
            "repeats_until_dropout": "Prepaid: repeat purchases after which the customer "
                                     "drops out, if the history lasts long enough (0 for "
                                     "postpaid).",
            "dropout_date": "Prepaid: when the customer dropped out (never observed in "
                            "the data).",
            # only in worlds made with covariate effects (config.purchases.gamma_*)
            **{f"covariate_{name}": f"Covariate {name} of purchase and dropout ({doc}), "
               "as crmlab.world.processes.purchases.customer_covariates computes it from "
               "the customers table; only in worlds with covariate effects."
               for name, doc in _COVARIATE_DOCS.items()},
            "monthly_churn_probability": "Postpaid: true monthly churn chance (sBG theta).",
            "months_until_churn": "Postpaid: contract months before voluntary churn "
                                  "(0 for prepaid).",
            "default_risk": "Postpaid: propensity not to pay.",
            "service_failure_date": "When a serious service failure hit the customer.",
            "silent_failure": "The customer suffered a failure and never complained.",
            "churn_cause": "none, dropout, contract_end, non_payment, "
                           "dissatisfied_complainer or dissatisfied_silent.",
            "won_back": "Left after a bad complaint and was won back by an executive.",
            "churn_date": "True final churn (including unobserved prepaid dropout).",
            "alive_at_end": "Still a customer on the last day.",
            "true_clv_3y": f"Expected discounted revenue of the next 3 years from the true "
                           f"parameters, 10% a year {_MONEY}.",
            "join_propensity": "Latent loyalty that drives joining the loyalty programme.",
            "loyalty_member": "Joined the loyalty programme.",
            "followers": "Online followers.",
            "influence_score": "Expected reach of one post.",
            "referral_propensity": "Segment's referral propensity.",
            "n_referred": "Customers this customer referred.",
        },
    ),
    "truth/contacts": (
        "HIDDEN TRUTH: both potential outcomes of every eligible customer of every "
        "campaign, contacted or not.",
        {
            "campaign_id": "Campaign.",
            "customer_id": "Eligible customer.",
            "response_if_contacted": "1 if the customer would respond when contacted.",
            "response_if_not_contacted": "1 if the customer would buy anyway.",
            "value_if_responds": f"Revenue a response brings {_MONEY}.",
            "uplift_probability": "True increase in the chance of responding caused by "
                                  "the contact (negative: contact backfires).",
        },
    ),
    "truth/silo_mapping": (
        "HIDDEN TRUTH: the customer behind every silo record.",
        {
            "silo": "sales, service, billing or web.",
            "record_key": "The record's key in its silo.",
            "customer_id": "The true customer.",
            "is_duplicate": "A second record of the same customer in the same silo.",
            "name_variant": "The name differs from the master record (typo or script "
                            "variant).",
            "stale_address": "The address is out of date.",
        },
    ),
    "truth/invoices": (
        "HIDDEN TRUTH per invoice: what should have been billed.",
        {
            "invoice_id": "Invoice key.",
            "correct_amount": f"What the bill should have been {_MONEY}.",
            "billing_error": "none, overcharge or undercharge.",
            "error_amount": f"Billed minus correct {_MONEY}.",
        },
    ),
    "truth/complaints": (
        "HIDDEN TRUTH per complaint.",
        {
            "complaint_id": "Complaint key.",
            "service_failure": "The complaint followed a serious service failure.",
            "load_ratio": "Expected service load over capacity in the province that day.",
        },
    ),
    "truth/params": (
        "HIDDEN TRUTH: every coefficient that generated the world, one row per segment: the "
        "segments' own parameters, then segment_share, world_<name> for the flat config "
        "coefficients and <group>_<name>[_<key>] for every parameter group (constant down "
        "the segments).",
        params_column_docs(),
    ),
}
