"""weed's Unix sockets stay within a socket path's 107 bytes, whatever folder the platform keeps its state in."""
from __future__ import annotations

from harness.local import seaweedfs


def test_a_short_data_folder_keeps_its_sockets(tmp_path):
    assert seaweedfs.socket_dir(tmp_path) == tmp_path


def test_a_deep_data_folder_gets_a_private_short_one_and_gives_it_back(tmp_path):
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 5)
    folder = seaweedfs.socket_dir(deep)
    try:
        assert folder != deep and len(str(folder / seaweedfs.FILER_SOCKET)) <= seaweedfs.MAX_SOCKET_PATH
        assert folder.stat().st_mode & 0o777 == 0o700
        assert seaweedfs.socket_dir(deep) == folder, "the same folder for the same platform, at up and at down"
        argv = seaweedfs.weed_argv(tmp_path / "weed", deep, tmp_path / "logs", tmp_path / "s3.json",
                                   {key: 1 for key in ("master_port", "master_grpc_port", "volume_port",
                                                       "volume_grpc_port", "filer_port", "filer_grpc_port",
                                                       "s3_port", "s3_grpc_port")})
        assert f"-filer.localSocket={folder / seaweedfs.FILER_SOCKET}" in argv
    finally:
        seaweedfs.remove_socket_dir(deep)
    assert not folder.exists()
