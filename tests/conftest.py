"""Fixtures shared by the tests; the builders themselves live in ``support/``."""

from __future__ import annotations

import pytest

from silhouette import PoseEstimate
from support.bodies import Body, image_for, make_body


@pytest.fixture
def body_scene():
    """Builder: ``body_scene(Body(...))`` -> (rgb, PoseEstimate)."""

    def build(body: Body | None = None, **kw):
        mask, lm = make_body(body or Body(), **kw)
        return image_for(mask), PoseEstimate(lm, mask)

    return build


@pytest.fixture(scope="session")
def analyzer():
    """One real MediaPipe analyzer for the whole test session."""
    from silhouette import Analyzer

    with Analyzer() as a:
        yield a
