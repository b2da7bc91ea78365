import subprocess
import sys

import latentbin


def test_public_api_importable():
    for name in latentbin.__all__:
        assert getattr(latentbin, name) is not None, name


def test_import_does_not_load_torch():
    code = "import sys, latentbin; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_docstring_examples():
    import doctest

    from latentbin import cluster, config, contigs, tnf, train

    for module in (latentbin, config, contigs, tnf, train, cluster):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
