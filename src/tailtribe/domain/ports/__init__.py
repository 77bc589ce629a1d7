"""What the core needs from the outside world, one module per capability.

- `time`: the clock (and the clock test mode may set), ids
- `storage`: the unit of work, the repositories, the cache
- `payments`: the payment provider, its webhooks and their decoding
- `messaging`: emails, their rendering, the task queue
- `identity`: passwords, tokens, the OpenID Connect provider
- `limits`: the throttles
- `files`: object storage, images, served media
- `search`: the caregiver search read model
- `monitoring`: metrics, operations, health checks

Import from the capability module; this package re-exports nothing, so a
module's imports say which capabilities it needs.
"""
