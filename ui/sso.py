"""Single sign-on through the city's OpenID Connect provider (Authlib), when it is configured.

The provider is found from its issuer URL (``/.well-known/openid-configuration``); the
authorization code flow runs with PKCE, state and nonce, and Authlib checks the ID token's
signature, issuer, audience and nonce. The claims of the ID token and the userinfo endpoint
then go to ``application.signin``, whose claim mappings decide the user's roles.
"""
from __future__ import annotations

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, request, session, url_for
from requests import RequestException

from application import signin
from application.settings import Settings
from ui.auth import _safe_next, audit_failure, engine, login_page, settings, start_session
from ui.blueprint import bp, public
from ui.i18n import error_text, t

CLIENT = "city"


def register(app: Flask, config: Settings) -> None:
    oauth = OAuth(app)
    oauth.register(CLIENT, client_id=config.oidc_client_id, client_secret=config.oidc_client_secret,
                   server_metadata_url=config.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
                   client_kwargs={"scope": config.oidc_scopes, "code_challenge_method": "S256"})
    app.extensions["oidc"] = oauth.create_client(CLIENT)


def _client():
    client = current_app.extensions.get("oidc")
    if client is None:
        abort(404)
    return client


@bp.get("/login/sso")
@public
def sso_start():
    """Off to the provider; it sends the browser back to ``sso_callback``."""
    session["sso_next"] = _safe_next(request.args.get("next"))
    return _client().authorize_redirect(url_for("ui.sso_callback", _external=True))


@bp.get("/login/sso/callback")
@public
def sso_callback():
    client = _client()
    try:
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        extra = client.userinfo(token=token)
        if extra.get("sub") != claims.get("sub"):
            raise OAuthError(description="the userinfo endpoint answered for another subject")
        claims.update(extra)
        issuer = client.load_server_metadata()["issuer"]
    except (OAuthError, RequestException) as error:
        reason = getattr(error, "description", None) or str(error)
        audit_failure(request.args.get("login_hint", ""), "oidc", reason)
        return login_page(t("login.sso_failed", provider=settings().oidc_label, reason=reason), 401)
    try:
        with engine().db.unit_of_work(write=True) as uow:
            signed = signin.with_provider(uow.session, issuer, claims)
            uow.commit()
    except signin.SignInRefused as refused:
        audit_failure(str(claims.get("preferred_username") or claims.get("sub")), "oidc", refused.reason)
        return login_page(t("login.sso_failed", provider=settings().oidc_label, reason=error_text(refused)), 401)
    return start_session(signed, "oidc", session.pop("sso_next", None))
