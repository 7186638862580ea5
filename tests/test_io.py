"""Weights on disk (tinygrad_edu.io, Module/Optimizer save_weights/load_weights)."""
import io as _pyio
import os
import zipfile

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import io
from tinygrad_edu.article import build_model
from tinygrad_edu.nn import Dense, Sequential


def article_model():
    """The article's 2-4-6-6-4-1 network, not compiled."""
    return build_model(compile=False)


def weights(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


def same(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_round_trip_is_exact(tmp_path):
    tg.manual_seed(0)
    a = article_model()
    path = tmp_path / "w.npz"
    a.save_weights(path)
    assert sorted(os.listdir(tmp_path)) == ["w.npz"]            # no temporary left behind
    with np.load(path) as npz:
        assert sorted(npz.files) == sorted(a.state_dict())      # names as keys
    tg.manual_seed(1)
    b = article_model()
    assert not same(weights(a), weights(b))
    b.load_weights(str(path))
    assert same(weights(a), weights(b))
    x = np.random.randn(10, 2)
    assert np.array_equal(a.predict(x), b.predict(x))


def test_optimizer_state_round_trip_resumes_training(tmp_path):
    X, y = tg.datasets.make_circles(200, factor=0.3, noise=0.1, random_state=0)
    tg.manual_seed(0)
    a = article_model()
    a.compile(loss="binary_crossentropy", optimizer="adam")
    a.fit(X, y, epochs=2, verbose=0, seed=1)
    a.save_weights(tmp_path / "m.npz")
    a.optimizer.save_weights(tmp_path / "opt.npz")
    a.fit(X, y, epochs=1, verbose=0, seed=2)

    b = article_model()
    b.compile(loss="binary_crossentropy", optimizer="adam")
    b.load_weights(tmp_path / "m.npz")
    b.optimizer.add_params(b.parameters())
    b.optimizer.load_weights(tmp_path / "opt.npz")
    assert b.optimizer.iterations == 14
    b.fit(X, y, epochs=1, verbose=0, seed=2)
    assert same(weights(a), weights(b))


def test_write_is_atomic(tmp_path, monkeypatch):
    a = article_model()
    path = tmp_path / "w.npz"
    a.save_weights(path)
    original = path.read_bytes()

    def crash(f, **arrays):
        f.write(b"PK half-written")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    tg.manual_seed(9)
    with pytest.raises(OSError, match="disk full"):
        article_model().save_weights(path)
    assert path.read_bytes() == original                        # old file intact
    assert sorted(os.listdir(tmp_path)) == ["w.npz"]            # temporary removed


def test_missing_and_extra_names(tmp_path):
    a = article_model()
    sd = a.state_dict()
    before = weights(a)
    missing = dict(sd)
    del missing["dense_2.bias"]
    io.save_arrays(tmp_path / "missing.npz", missing)
    with pytest.raises(KeyError, match=r"missing: dense_2.bias; unexpected: -"):
        a.load_weights(tmp_path / "missing.npz")
    io.save_arrays(tmp_path / "extra.npz", dict(sd, **{"dense_6.kernel": np.zeros((1, 1))}))
    with pytest.raises(KeyError, match=r"unexpected: dense_6.kernel"):
        a.load_weights(tmp_path / "extra.npz")
    assert same(before, weights(a))


def test_wrong_shape_names_the_parameter(tmp_path):
    a = article_model()
    sd = {k: v + 1 for k, v in a.state_dict().items()}
    sd["dense_3.kernel"] = np.zeros((6, 5), np.float32)
    io.save_arrays(tmp_path / "w.npz", sd)
    before = weights(a)
    with pytest.raises(ValueError, match=r"'dense_3.kernel' has shape \(6, 5\).*\(6, 6\)"):
        a.load_weights(tmp_path / "w.npz")
    assert same(before, weights(a))


def _npz_with_header(path, name, shape, data=b""):
    """An npz whose member claims ``shape`` but holds only ``data`` bytes."""
    buf = _pyio.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False,
                                               "shape": shape})
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(name + ".npy", buf.getvalue() + data)


def test_a_missing_folder_is_named_not_our_temporary_file(tmp_path):
    """It was FileNotFoundError for '<folder>/.tmp-xxxx.npz', a name the user never gave."""
    tg.manual_seed(0)
    model, folder = article_model(), tmp_path / "no" / "such"
    opt = tg.optim.Adam(model.parameters())
    for obj in (model, opt):
        with pytest.raises(FileNotFoundError, match=r"^save_weights: the folder .*such.* does not "
                                                    r"exist; create it first"):
            obj.save_weights(folder / "w.npz")
    assert not (tmp_path / "no").exists()


def test_save_arrays_takes_a_dict_of_arrays(tmp_path):
    """A list was a bare "'list' object has no attribute 'items'"."""
    with pytest.raises(TypeError, match="save_arrays: arrays must be a dict of name -> array, "
                                        "got list"):
        io.save_arrays(tmp_path / "w.npz", [np.ones(2)])
    assert not (tmp_path / "w.npz").exists()


def test_set_weights_names_itself_in_its_errors():
    """(Its shape and dtype errors said load_state_dict, the method it uses.)"""
    model = article_model()
    arrays = model.get_weights()
    arrays[0] = np.ones((3, 4))
    with pytest.raises(ValueError, match=r"^set_weights: parameter 'dense_1.kernel' has shape"):
        model.set_weights(arrays)


def test_huge_claimed_shape_rejected_before_reading_data(tmp_path, monkeypatch):
    a = article_model()
    sd = a.state_dict()
    path = tmp_path / "huge.npz"
    with zipfile.ZipFile(path, "w") as zf:
        for k, v in sd.items():
            buf = _pyio.BytesIO()
            if k == "dense_1.kernel":      # claims 400 GB
                np.lib.format.write_array_header_1_0(
                    buf, {"descr": "<f4", "fortran_order": False, "shape": (100000, 1000000)})
            else:
                np.lib.format.write_array(buf, v)
            zf.writestr(k + ".npy", buf.getvalue())

    def no_data_reads(*args, **kwargs):
        raise AssertionError("data was read before the header check")

    monkeypatch.setattr(np, "load", no_data_reads)
    before = weights(a)
    with pytest.raises(ValueError, match=r"'dense_1.kernel' has shape \(100000, 1000000\)"):
        a.load_weights(path)
    assert same(before, weights(a))


def test_corrupt_bytes(tmp_path):
    a = article_model()
    before = weights(a)
    good = tmp_path / "good.npz"
    a.save_weights(good)
    raw = bytearray(good.read_bytes())

    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(bytes(raw[: len(raw) // 2]))
    flipped = tmp_path / "flipped.npz"
    data_at = raw.index(b"dense_1.kernel.npy") + 200      # inside the first array's data
    raw[data_at] ^= 0xFF
    flipped.write_bytes(bytes(raw))
    text = tmp_path / "text.npz"
    text.write_text("these are not weights")
    short = tmp_path / "short.npz"
    sd = a.state_dict()
    with zipfile.ZipFile(short, "w") as zf:                  # header ok, data cut short
        for k, v in sd.items():
            buf = _pyio.BytesIO()
            np.lib.format.write_array(buf, v)
            zf.writestr(k + ".npy", buf.getvalue()[:-4] if k == "dense_2.kernel" else buf.getvalue())

    for path in (truncated, flipped, text, short):
        with pytest.raises(ValueError, match="not a readable .npz weights file"):
            a.load_weights(path)
        assert same(before, weights(a))
    with pytest.raises(FileNotFoundError, match="no such file"):
        a.load_weights(tmp_path / "nope.npz")


class _Boom:
    triggered = False

    def __reduce__(self):
        return (_Boom._fire, ())

    @staticmethod
    def _fire():
        _Boom.triggered = True
        return 0


def test_pickled_objects_are_never_loaded(tmp_path):
    a = article_model()
    path = tmp_path / "evil.npz"
    sd = a.state_dict()
    sd["dense_1.kernel"] = np.array([[_Boom()] * 4] * 2, dtype=object)
    np.savez(path, **sd)                                       # numpy pickles object arrays
    before = weights(a)
    with pytest.raises(ValueError, match=r"dtype object.*pickled objects are never loaded"):
        a.load_weights(path)
    assert not _Boom.triggered and same(before, weights(a))
    with pytest.raises(ValueError, match="only numeric arrays"):
        io.save_arrays(tmp_path / "x.npz", {"a": np.array([object()])})


def test_unbuilt_model_cannot_save_or_load(tmp_path):
    model = Sequential([Dense(3), Dense(1)])
    with pytest.raises(ValueError, match="not built yet.*input_dim"):
        model.save_weights(tmp_path / "w.npz")
    with pytest.raises(ValueError, match="not built yet"):
        model.load_weights(tmp_path / "w.npz")


def test_read_headers(tmp_path):
    io.save_arrays(tmp_path / "a.npz", {"x": np.zeros((2, 3), np.float32), "n": np.arange(4)})
    h = io.read_headers(tmp_path / "a.npz")
    assert h["x"][0] == (2, 3) and h["x"][1] == np.float32 and h["n"][0] == (4,)
    assert io.load_arrays(tmp_path / "a.npz")["n"].tolist() == [0, 1, 2, 3]
