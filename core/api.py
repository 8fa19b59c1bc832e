from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


def exception_handler(exc, context):
    """DRF's handler, plus: a broken business rule or model validation answers 400 with field errors."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


# --- OpenAPI: the error answers every operation can give ---------------------------------------------------

ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
        "description": "What went wrong, in a sentence.",
    },
    "FieldErrors": {
        "type": "object",
        "description": "Field errors: each field name (or non_field_errors) with its messages; a body that is "
        'no JSON object answers {"detail": …}.',
        "additionalProperties": {},
    },
}
ERROR_DESCRIPTIONS = {
    "400": "Bad input: field errors, a body that is not JSON, or a filter that is not valid",
    "401": "No token, or a token that is not valid",
    "404": "Not found, or not yours to see",
}


def _ref(name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _needs_login(operation: dict) -> bool:
    security = operation.get("security")
    return bool(security) and {} not in security


def _takes_input(operation: dict) -> bool:
    return "requestBody" in operation or any(p.get("in") == "query" for p in operation.get("parameters", ()))


def error_responses_hook(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the JSON errors (400 when an operation takes input,
    401 when it needs a token, 404 always: an id, a slug or a page that is not there), and give every error
    answer a body schema, so clients and Schemathesis know what an error looks like."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            wanted = ["404"]
            if _takes_input(operation):
                wanted.append("400")
            if _needs_login(operation):
                wanted.append("401")
            for code in wanted:
                responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code]})
            for code, response in responses.items():
                if code.startswith(("4", "5")) and not response.get("content"):
                    response["content"] = _ref("FieldErrors" if code == "400" else "Error")
    return result
