"""Circuit grammar and the compiled model, checked against impedance.py's own predict."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssbcert.analysis.circuit import ELEMENTS, Parallel, Series, parse_circuit
from ssbcert.analysis.model import compile_circuit
from ssbcert.errors import InputError

import impedance.models.circuits as impedance_circuits  # noqa: E402  (impedance is a dependency: the oracle must run)

F = np.logspace(6, -2, 41)

CASES = {
    "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3": [20, 1e5, 1e-11, 0.95, 2e5, 1e-9, 0.85, 1e-6, 0.8],
    "R0-p(R1-Wo1,C1)-L0": [10, 100, 50, 0.3, 1e-6, 1e-7],
    "R_0-p(R_1-Ws1,CPE_1)-La1": [10, 100, 50, 0.3, 1e-6, 0.9, 1e-7, 0.8],
    "R0-Zarc1-K1-W1-G1": [10, 100, 1e-3, 0.8, 50, 1e-4, 3, 20, 1e-2],
    "R0-p(R1,p(R2,C2),C1)-Gs1": [1, 2, 3, 1e-6, 1e-5, 4, 1e-3, 2],
    "p(R1,C1,CPE1)": [100, 1e-6, 1e-5, 0.7],
}


def _oracle(text: str, params: list[float]) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = impedance_circuits.CustomCircuit(text, initial_guess=list(map(float, params)))
        return c.predict(F, use_initial=True)


@pytest.mark.parametrize("text", list(CASES))
def test_model_matches_impedance_py_predict_and_names(text: str) -> None:
    params = CASES[text]
    model = compile_circuit(text)
    z = model.impedance(np.array(params, float), F)
    np.testing.assert_allclose(z, _oracle(text, params), rtol=1e-12)
    names, units = impedance_circuits.CustomCircuit(text, initial_guess=params).get_param_names()
    assert model.param_names == names
    assert parse_circuit(text).param_units == units


def _assert_jacobian_matches_central_differences(text: str, p: np.ndarray, h_rel: float, tol: float) -> None:
    model = compile_circuit(text)
    _, jac = model.impedance_jacobian(p, F)
    for k in range(p.size):
        h = h_rel * p[k]
        pp, pm = p.copy(), p.copy()
        pp[k] += h
        pm[k] -= h
        fd = (model.impedance(pp, F) - model.impedance(pm, F)) / (2 * h)
        assert np.abs(jac[:, k] - fd).max() / (np.abs(fd).max() + 1e-300) < tol, (text, k)


@pytest.mark.parametrize("text", list(CASES))
def test_analytic_jacobian_matches_finite_differences(text: str) -> None:
    _assert_jacobian_matches_central_differences(text, np.array(CASES[text], float), 1e-4, 1e-5)


def test_ast_shape() -> None:
    c = parse_circuit("R0-p(R1,CPE1)-p(R2-Wo2,C2)")
    assert isinstance(c.root, Series)
    assert isinstance(c.root.children[1], Parallel)
    assert [e.token for e in c.elements] == ["R0", "R1", "CPE1", "R2", "Wo2", "C2"]
    assert c.param_names == ["R0", "R1", "CPE1_0", "CPE1_1", "R2", "Wo2_0", "Wo2_1", "C2"]


@pytest.mark.parametrize("bad,where", [
    ("R0-p(R1,C1", "closing"),
    ("R0-__import__('os').system('x')", "element"),
    ("R0-p(R1,C1)-exec", "element"),
    ("Rbulk-p(R1,C1)", "element name"),
    ("R0--R1", "element"),
    ("p(R1)", "two branches"),
    ("R1-R1", "twice"),
    ("", "empty"),
    ("R0-p(R1,C1))", "end of text"),
])
def test_grammar_rejects_bad_text_with_a_located_error(bad: str, where: str) -> None:
    with pytest.raises(InputError) as e:
        parse_circuit(bad)
    assert where in str(e.value)


_leaf = st.sampled_from(["R", "C", "CPE", "L", "W", "Zarc", "K", "Wo", "Ws", "La"])


@st.composite
def _circuits(draw: st.DrawFn, depth: int = 0) -> str:
    n = draw(st.integers(1, 3))
    parts = []
    for _ in range(n):
        if depth < 2 and draw(st.booleans()):
            k = draw(st.integers(2, 3))
            parts.append("p(" + ",".join(draw(_circuits(depth + 1)) for _ in range(k)) + ")")
        else:
            parts.append(draw(_leaf))
    return "-".join(parts)


def _number(text: str) -> str:
    """Give every element a unique numeric suffix (as users write them)."""
    out, i, k = [], 0, 0
    names = sorted(ELEMENTS, key=len, reverse=True)
    while i < len(text):
        for n in names:
            if text.startswith(n, i) and not text.startswith("p(", i):
                out.append(f"{n}{k}")
                k += 1
                i += len(n)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


@settings(max_examples=40, deadline=None)
@given(_circuits(), st.integers(0, 2**31))
def test_random_circuits_match_impedance_py(raw: str, seed: int) -> None:
    text = _number(raw)
    c = parse_circuit(text)
    rng = np.random.default_rng(seed)
    params = []
    for e in c.elements:
        for s in e.type.scales:
            params.append(rng.uniform(0.5, 1.0) if s == "lin" else 10 ** rng.uniform(-3, 3))
    z = compile_circuit(c).impedance(np.array(params), F)
    ref = _oracle(text, params)
    ok = np.isfinite(ref)
    np.testing.assert_allclose(z[ok], ref[ok], rtol=1e-9)


def test_fused_arc_node_equals_the_generic_parallel() -> None:
    """p(R,CPE) is compiled to one admittance-form node; p(CPE,R) (same circuit, other order)
    goes through the generic parallel combination: both give the same Z and Jacobian."""
    fused, generic = compile_circuit("R0-p(R1,CPE1)"), compile_circuit("R0-p(CPE1,R1)")
    p = np.array([20.0, 1e5, 1e-10, 0.85])
    z1, j1 = fused.impedance_jacobian(p, F)
    z2, j2 = generic.impedance_jacobian(p[[0, 2, 3, 1]], F)
    np.testing.assert_allclose(z1, z2, rtol=1e-13)
    np.testing.assert_allclose(j1, j2[:, [0, 3, 1, 2]], rtol=1e-12)


def test_havriliak_negami_is_the_symmetric_arc_at_beta_one_and_has_an_exact_jacobian() -> None:
    """The Hn element (not in impedance.py's catalogue, so no oracle there) nests Zarc at β = 1, and
    its analytic derivatives match central differences, β included."""
    zarc = compile_circuit("R0-Zarc1").impedance(np.array([10, 100, 1e-3, 0.8]), F)
    hn = compile_circuit("R0-Hn1")
    np.testing.assert_allclose(hn.impedance(np.array([10, 100, 1e-3, 0.8, 1.0]), F), zarc, rtol=1e-12)
    p = np.array([10, 100, 1e-3, 0.85, 0.6])
    _assert_jacobian_matches_central_differences("R0-Hn1", p, 1e-5, 1e-6)
    w = 2 * np.pi * F
    np.testing.assert_allclose(hn.impedance(p, F), 10 + 100 / (1 + (1j * w * 1e-3) ** 0.85) ** 0.6, rtol=1e-12)
