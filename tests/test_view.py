"""Body yaw and the view class from 3-D landmarks."""

import cv2
import pytest

from silhouette.core.anatomy import body_frame
from silhouette.core.landmarks import Landmarks
from silhouette.core.view import body_yaw_deg, classify_view
from support.bodies import Body, make_body, rotate, turned


@pytest.mark.parametrize("yaw", [0.0, 20.0, -45.0, 90.0, -90.0, 135.0])
def test_yaw_follows_the_body_turn(yaw):
    mask, lm = make_body(Body())
    frame = body_frame(lm, mask.shape)
    assert body_yaw_deg(turned(lm, yaw), frame) == pytest.approx(yaw, abs=0.5)


def test_back_view_is_recognised_by_left_right_order():
    mask, lm = make_body(Body())
    world = lm.world.copy()
    world[:, 0] *= -1  # person's left now on the image left: seen from behind
    back = Landmarks(lm.xy, lm.visibility, world)
    frame = body_frame(lm, mask.shape)
    assert classify_view(body_yaw_deg(back, frame)) == "back"


@pytest.mark.parametrize(
    "yaw, view",
    [
        (0, "front"),
        (30, "front"),
        (-31, "unknown"),
        (59, "unknown"),
        (60, "side"),
        (-120, "side"),
        (150, "back"),
        (180, "back"),
        (None, "unknown"),
    ],
)
def test_view_thresholds(yaw, view):
    assert classify_view(yaw) == view


def test_no_3d_landmarks_means_unknown_yaw():
    mask, lm = make_body(Body())
    flat = Landmarks(lm.xy, lm.visibility)
    assert body_yaw_deg(flat, body_frame(flat, mask.shape)) is None


@pytest.mark.parametrize("roll", [-25.0, 25.0])
@pytest.mark.parametrize("yaw", [0.0, 30.0, -60.0])
def test_camera_roll_does_not_enter_the_yaw(yaw, roll):
    # Rolling the camera turns the photo and the camera-aligned 3-D
    # landmarks alike (x right, y down in both); the body's turn is the same.
    mask, lm = make_body(Body())
    lm = turned(lm, yaw)
    rolled_mask, rolled = rotate(mask, lm, roll)
    h, w = mask.shape
    spin = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), -roll, 1.0)[:, :2]
    world = lm.world.copy()
    world[:, :2] = world[:, :2] @ spin.T
    rolled = Landmarks(rolled.xy, rolled.visibility, world)
    frame = body_frame(rolled, rolled_mask.shape)
    assert abs(frame.up[0]) > 0.4  # the body axis is well off the vertical
    assert body_yaw_deg(rolled, frame) == pytest.approx(yaw, abs=0.5)
