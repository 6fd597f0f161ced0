"""Which files of a folder are photos (apps/photos.py): odd folders never stop a batch."""

import os

from silhouette.apps.photos import OUTPUT_MARKER, find_photos


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def names(scan, root):
    return [p.relative_to(root).as_posix() for p in scan.photos]


def test_photos_are_found_by_their_ending_and_hidden_files_are_not(tmp_path):
    for name in ("b.JPG", "a.png", "c.heic", "notes.txt", ".hidden.jpg", "sub/d.jpg"):
        touch(tmp_path / name)
    assert names(find_photos(tmp_path), tmp_path) == ["a.png", "b.JPG", "c.heic"]
    assert names(find_photos(tmp_path, recursive=True), tmp_path) == [
        "a.png",
        "b.JPG",
        "c.heic",
        "sub/d.jpg",
    ]


def test_a_loop_of_links_is_noted_and_the_search_goes_on(tmp_path):
    touch(tmp_path / "a.jpg")
    touch(tmp_path / "sub" / "b.jpg")
    (tmp_path / "sub" / "up").symlink_to(tmp_path)  # a loop back to the top
    (tmp_path / "self.jpg").symlink_to(tmp_path / "self.jpg")  # a link to itself
    (tmp_path / "gone.jpg").symlink_to(tmp_path / "missing.jpg")  # a broken link
    scan = find_photos(tmp_path, recursive=True)
    assert names(scan, tmp_path) == ["a.jpg", "sub/b.jpg"]
    skipped = dict(scan.skipped)
    assert skipped["sub/up"].startswith("a loop of folder links")
    assert skipped["self.jpg"] == "a loop of links"
    assert "gone.jpg" in skipped
    # Names only, relative to the folder: never an absolute path.
    assert not any(str(tmp_path) in why or str(tmp_path) in name for name, why in scan.skipped)


def test_an_unreadable_sub_folder_is_noted(tmp_path, monkeypatch):
    touch(tmp_path / "a.jpg")
    touch(tmp_path / "locked" / "b.jpg")
    (tmp_path / "locked").chmod(0)
    if os.geteuid() == 0:  # root reads it anyway: refuse it as the kernel would
        real = os.scandir

        def scandir(path):
            if os.fspath(path).endswith("locked"):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real(path)

        monkeypatch.setattr(os, "scandir", scandir)
    try:
        scan = find_photos(tmp_path, recursive=True)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert names(scan, tmp_path) == ["a.jpg"]
    assert dict(scan.skipped)["locked"] == "cannot search this folder (Permission denied)"


def test_output_folders_are_never_searched(tmp_path):
    touch(tmp_path / "a.jpg")
    # An earlier run's output folder, with a different name, inside the folder.
    touch(tmp_path / "old results" / "thumbs" / "0123.jpg")
    touch(tmp_path / "old results" / OUTPUT_MARKER)
    # This run's output folder is the photo folder itself: its own thumbs/.
    touch(tmp_path / "thumbs" / "4567.jpg")
    touch(tmp_path / OUTPUT_MARKER)
    scan = find_photos(tmp_path, recursive=True, exclude=(tmp_path / "thumbs",))
    assert names(scan, tmp_path) == ["a.jpg"]


def test_devices_and_pipes_named_like_photos_are_not_photos(tmp_path):
    os.mkfifo(tmp_path / "pipe.jpg")
    (tmp_path / "null.jpg").symlink_to("/dev/null")
    touch(tmp_path / "a.jpg")
    assert names(find_photos(tmp_path), tmp_path) == ["a.jpg"]
