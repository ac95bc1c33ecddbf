"""OpenAPI 3.1 description of the JSON API the département's CRM uses."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

from bot.inbox.models import REASONS
from bot.inbox.models import STATUSES as INBOX_STATUSES
from bot.knowledge import TOPICS
from bot.tickets.models import RESOLUTIONS, EventKind, Outcome, TicketStatus
from console.labels import CHANNEL_LABELS, RESOLUTION_LABELS

_DATE_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_ERROR = {"$ref": "#/components/responses/Error"}
API_OUTCOMES = (*RESOLUTIONS, Outcome.TRANSFERRED)  # what the CRM may push
# The history the API returns leaves the views out (bot.tickets.history.ticket_history).
HISTORY_KINDS = tuple(kind for kind in EventKind if kind is not EventKind.VIEW)


def _values(codes: Iterable[Enum]) -> list[str]:
    return [str(code.value) for code in codes]


def _ticket_summary() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["reference", "status", "priority", "created_at", "due_at", "channel"],
        "properties": {
            "reference": {"type": "string", "example": "261123-048213"},
            "status": {"type": "string", "enum": _values(TicketStatus)},
            "priority": {"type": "string", "enum": ["normal", "urgent"]},
            "created_at": _DATE_TIME,
            "updated_at": _DATE_TIME,
            "due_at": {**_DATE_TIME, "description": "Callback deadline promised to the citizen"},
            "closed_at": _NULLABLE_DATE_TIME,
            "channel": {"type": "string", "example": "phone"},
            "topic": {"type": ["string", "null"], "enum": [*TOPICS, None]},
            "intent": _NULLABLE_STRING,
            "citizen_name": _NULLABLE_STRING,
            "phone": {**_NULLABLE_STRING, "description": "E.164, e.g. +33612345678"},
            "commune": _NULLABLE_STRING,
            "assignee": _NULLABLE_STRING,
            "outcome": {
                "type": ["string", "null"],
                "description": "Once closed: " + ", ".join(_values(Outcome)),
            },
            "personal_data_purged": {"type": "boolean"},
        },
    }


def _ticket_detail() -> dict[str, Any]:
    return {
        "allOf": [
            {"$ref": "#/components/schemas/TicketSummary"},
            {
                "type": "object",
                "properties": {
                    "confidence": {"type": ["number", "null"]},
                    "fiche_id": _NULLABLE_STRING,
                    "reason": _NULLABLE_STRING,
                    "entities": {"type": "object"},
                    "callback_slot": {
                        "type": ["object", "null"],
                        "properties": {
                            "start": _DATE_TIME,
                            "end": _DATE_TIME,
                            "label": {"type": "string"},
                        },
                    },
                    "transcript": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "speaker": {"type": "string", "enum": ["citoyen", "assistant"]},
                                "text": {"type": "string"},
                                "at": {"type": "string"},
                            },
                        },
                    },
                    "earlier_references": {"type": "array", "items": {"type": "string"}},
                    "events": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "at": _DATE_TIME,
                                "account": {"type": "string"},
                                "kind": {
                                    "type": "string",
                                    "enum": _values(HISTORY_KINDS),
                                },
                                "detail": {"type": "object"},
                                "text": _NULLABLE_STRING,
                            },
                        },
                    },
                },
            },
        ]
    }


def _inbox_path() -> dict[str, Any]:
    group = {
        "type": "object",
        "properties": {
            "text": {"type": "string", "description": "The newest message, masked"},
            "count": {"type": "integer"},
            "intent": {"type": ["string", "null"], "description": "What the model understood"},
            "confidence": {"type": ["number", "null"]},
            "reasons": {"type": "array", "items": {"type": "string", "enum": list(REASONS)}},
            "status": {"type": "string", "enum": list(INBOX_STATUSES)},
            "newest": _DATE_TIME,
        },
    }
    page = {
        "type": "object",
        "properties": {"items": {"type": "array", "items": group}, "total": {"type": "integer"}},
    }
    return {
        "get": {
            "operationId": "listInbox",
            "security": [{"bearer": ["inbox"]}],
            "summary": "Groups of similar messages the assistant did not understand (masked)",
            "parameters": [
                {
                    "name": "status",
                    "in": "query",
                    "schema": {"type": "string", "enum": list(INBOX_STATUSES)},
                },
                {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                },
            ],
            "responses": {
                "200": {
                    "description": "One page of groups, most frequent first",
                    "content": {"application/json": {"schema": page}},
                },
                "400": _ERROR,
                "401": _ERROR,
                "403": _ERROR,
            },
        }
    }


def spec(title: str) -> dict[str, Any]:
    reference = {
        "name": "reference",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{title} — API des demandes de rappel",
            "version": "1.0.0",
            "description": (
                "Read the callback tickets created by the assistant and push their outcome "
                "from the CRM. Authenticate with `Authorization: Bearer <token>`; tokens are "
                "created with `triage agents token NAME [--scope read] [--scope write] "
                "[--days N]`: scope `read` lists and reads tickets, `write` pushes outcomes; a "
                "token expires (365 days by default). A token without the scope an operation "
                "needs gets 403. Every read and write is audited."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/tickets": {
                "get": {
                    "operationId": "listTickets",
                    "security": [{"bearer": ["read"]}],
                    "summary": "List tickets, oldest id first (page with after_id)",
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {"type": "string", "enum": _values(TicketStatus)},
                        },
                        {
                            "name": "channel",
                            "in": "query",
                            "schema": {"type": "string", "enum": list(CHANNEL_LABELS)},
                        },
                        {
                            "name": "commune",
                            "in": "query",
                            "description": "One of the communes of departement.yml (else 400)",
                            "schema": {"type": "string"},
                        },
                        {"name": "updated_since", "in": "query", "schema": _DATE_TIME},
                        {"name": "after_id", "in": "query", "schema": {"type": "integer"}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "One page of tickets",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "items": {
                                                "type": "array",
                                                "items": {
                                                    "$ref": "#/components/schemas/TicketSummary"
                                                },
                                            },
                                            "next_after_id": {"type": ["integer", "null"]},
                                        },
                                    }
                                }
                            },
                        },
                        "400": _ERROR,
                        "401": _ERROR,
                    },
                }
            },
            "/inbox": _inbox_path(),
            "/tickets/{reference}": {
                "get": {
                    "operationId": "getTicket",
                    "security": [{"bearer": ["read"]}],
                    "summary": "One ticket with its transcript and history",
                    "parameters": [reference],
                    "responses": {
                        "200": {
                            "description": "The ticket",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/TicketDetail"}
                                }
                            },
                        },
                        "401": _ERROR,
                        "404": _ERROR,
                    },
                }
            },
            "/tickets/{reference}/outcome": {
                "post": {
                    "operationId": "pushOutcome",
                    "security": [{"bearer": ["write"]}],
                    "summary": "Close the ticket with the outcome recorded in the CRM",
                    "parameters": [reference],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/OutcomeRequest"}
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The closed ticket",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/TicketDetail"}
                                }
                            },
                        },
                        "400": _ERROR,
                        "401": _ERROR,
                        "403": _ERROR,
                        "404": _ERROR,
                        "409": _ERROR,
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This description",
                    "responses": {"200": {"description": "OpenAPI document"}},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "API token with scopes `read` and/or `write`, and an expiry.",
                }
            },
            "responses": {
                "Error": {
                    "description": "Error (French detail, for people)",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "error": {"type": "string"},
                                    "detail": {"type": "string"},
                                },
                            }
                        }
                    },
                }
            },
            "schemas": {
                "TicketSummary": _ticket_summary(),
                "TicketDetail": _ticket_detail(),
                "OutcomeRequest": {
                    "type": "object",
                    "required": ["outcome"],
                    "properties": {
                        "outcome": {
                            "type": "string",
                            "enum": _values(API_OUTCOMES),
                            "description": "; ".join(
                                f"{k.value}: {v}" for k, v in RESOLUTION_LABELS.items()
                            )
                            + "; transferred: handed to a service (give `service`)",
                        },
                        "service": {
                            "type": "string",
                            "description": "Service id from the département's configuration",
                        },
                        "comment": {"type": "string", "maxLength": 2000},
                    },
                },
            },
        },
    }
