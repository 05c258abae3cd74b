"""Where ScaleKG writes: never the working directory unless told."""

from pathlib import Path

from scalekg.graph.settings import Settings, default_data_dir


def test_data_dir_follows_xdg_data_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "scalekg"


def test_data_dir_falls_back_to_home_local_share(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / ".local" / "share" / "scalekg"


def test_relative_xdg_data_home_is_ignored_as_the_spec_says(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / ".local" / "share" / "scalekg"


def test_build_dir_defaults_under_data_dir_not_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("SCALEKG_BUILD_DIR", raising=False)
    monkeypatch.setenv("SCALEKG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.data_dir == tmp_path / "data"
    assert settings.build_dir == tmp_path / "data" / "build"


def test_explicit_build_dir_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("SCALEKG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCALEKG_BUILD_DIR", str(tmp_path / "elsewhere"))
    assert Settings().build_dir == tmp_path / "elsewhere"
    assert Settings(build_dir=Path("given")).build_dir == Path("given")


def test_the_tests_never_use_the_users_data_dir(user_data_dir):
    assert Settings().data_dir == user_data_dir
    assert Path.home() not in Settings().data_dir.parents
