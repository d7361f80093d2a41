"""The station's edge: routing to the services, token issuer and JWKS, rate limits, CORS, docs."""
