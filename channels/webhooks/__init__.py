"""Outbound webhooks for any other system: a program's endpoints receive its tickets' events, signed.

- `targets`: which URLs may be called (https, no private or loopback hosts in production: no SSRF).
- `events`: queues' timeline events become one outbox message per subscribed endpoint, in the same transaction.
- `delivery`: the outbox sender (signs at send time, HMAC-SHA256 over "{timestamp}.{body}").
- `services` / `selectors` / `views`: the managers' pages (register, rotate the secret, the delivery log).
- `schema`: what /api/docs/ says about them (OpenAPI 3.1 webhooks, with a verification example).
"""
