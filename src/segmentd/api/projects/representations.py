"""Projects, environments and access tokens → LaunchDarkly REST representations."""

from __future__ import annotations

from typing import Any

from segmentd.api.responses import API, link
from segmentd.domain.projects.codec import environment_document, project_document
from segmentd.domain.projects.model import AccessToken, Environment, Project


def environment_rep(environment: Environment) -> dict[str, Any]:
    path = f"{API}/projects/{environment.project_key}/environments/{environment.key}"
    return {
        "_links": {
            "self": link(path),
            "project": link(f"{API}/projects/{environment.project_key}"),
        },
        "_id": environment.id,
        "key": environment.key,
        "apiKey": environment.sdk_key,
        "mobileKey": environment.mobile_key,
        **environment_document(environment),
    }


def project_rep(project: Project, *, expand_environments: bool = False) -> dict[str, Any]:
    path = f"{API}/projects/{project.key}"
    body: dict[str, Any] = {
        "_links": {"self": link(path), "environments": link(f"{path}/environments")},
        "_id": project.id,
        "key": project.key,
        **project_document(project),
    }
    if expand_environments:
        items = [environment_rep(e) for e in project.environments]
        body["environments"] = {
            "_links": {"self": link(f"{path}/environments")},
            "totalCount": len(items),
            "items": items,
        }
    return body


def project_created_rep(project: Project) -> dict[str, Any]:
    """``ProjectRep``: the create response, whose ``environments`` is a plain array."""
    body = project_rep(project)
    body["environments"] = [environment_rep(e) for e in project.environments]
    return body


def token_rep(token: AccessToken, *, secret: str | None = None) -> dict[str, Any]:
    """A ``Token``; the full value only when just created, else its last four characters."""
    return {
        "_id": token.id,
        "ownerId": token.id,
        "memberId": token.id,
        "name": token.name,
        "description": token.description,
        "creationDate": token.creation_date,
        "lastModified": token.creation_date,
        "role": token.role.value,
        "token": secret if secret is not None else token.last_four,
        "serviceToken": True,
        "_links": {"self": link(f"{API}/tokens/{token.id}"), "parent": link(f"{API}/tokens")},
    }
