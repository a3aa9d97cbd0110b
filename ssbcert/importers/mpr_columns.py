"""EC-Lab .mpr facts as data: data-column ids, flag bits and technique ids.

Public reverse-engineering notes (issue threads and documentation of open readers) give these
ids; the names are the ones EC-Lab writes in the matching .mpt column header, so a binary file and
its text export map through the same header vocabulary. A row's byte layout follows from its ids,
so an id missing here can only be skipped when the module's size pins down its width (see mpr.py).
"""
from __future__ import annotations

# id -> (.mpt column name, little-endian numpy dtype)
COLUMNS: dict[int, tuple[str, str]] = {
    4: ("time/s", "<f8"), 5: ("control/V/mA", "<f4"), 6: ("Ewe/V", "<f4"), 7: ("dq/mA.h", "<f8"),
    8: ("I/mA", "<f4"), 9: ("Ece/V", "<f4"), 11: ("<I>/mA", "<f8"), 13: ("(Q-Qo)/mA.h", "<f8"),
    16: ("Analog IN 1/V", "<f4"), 17: ("Analog IN 2/V", "<f4"), 18: ("Analog IN 3/V", "<f4"),
    19: ("control/V", "<f4"), 20: ("control/mA", "<f4"), 23: ("dQ/mA.h", "<f8"), 24: ("cycle number", "<f8"),
    26: ("Rapp/Ohm", "<f4"), 27: ("Ewe-Ece/V", "<f4"),
    32: ("freq/Hz", "<f4"), 33: ("|Ewe|/V", "<f4"), 34: ("|I|/A", "<f4"), 35: ("Phase(Z)/deg", "<f4"),
    36: ("|Z|/Ohm", "<f4"), 37: ("Re(Z)/Ohm", "<f4"), 38: ("-Im(Z)/Ohm", "<f4"), 39: ("I Range", "<u2"),
    69: ("R/Ohm", "<f4"), 70: ("P/W", "<f4"), 74: ("|Energy|/W.h", "<f8"), 75: ("Analog OUT/V", "<f4"),
    76: ("<I>/mA", "<f4"), 77: ("<Ewe>/V", "<f4"), 78: ("Cs-2/µF-2", "<f4"),
    96: ("|Ece|/V", "<f4"), 98: ("Phase(Zce)/deg", "<f4"), 99: ("|Zce|/Ohm", "<f4"), 100: ("Re(Zce)/Ohm", "<f4"),
    101: ("-Im(Zce)/Ohm", "<f4"),
    123: ("Energy charge/W.h", "<f8"), 124: ("Energy discharge/W.h", "<f8"),
    125: ("Capacitance charge/µF", "<f8"), 126: ("Capacitance discharge/µF", "<f8"), 131: ("Ns", "<u2"),
    163: ("|Estack|/V", "<f4"), 168: ("Rcmp/Ohm", "<f4"), 169: ("Cs/µF", "<f4"), 172: ("Cp/µF", "<f4"),
    173: ("Cp-2/µF-2", "<f4"), 174: ("<Ewe>/V", "<f4"), 178: ("(Q-Qo)/C", "<f4"), 179: ("dQ/C", "<f4"),
    182: ("step time/s", "<f8"), 211: ("Q charge/discharge/C", "<f8"), 217: ("THD Ewe/%", "<f4"),
    241: ("|E1|/V", "<f4"), 242: ("|E2|/V", "<f4"), 271: ("Phase(Z1)/deg", "<f4"), 272: ("Phase(Z2)/deg", "<f4"),
    295: ("I Range", "<u2"), 301: ("|Z1|/Ohm", "<f4"), 302: ("|Z2|/Ohm", "<f4"), 326: ("P/W", "<f4"),
    331: ("Re(Z1)/Ohm", "<f4"), 332: ("Re(Z2)/Ohm", "<f4"), 361: ("-Im(Z1)/Ohm", "<f4"), 362: ("-Im(Z2)/Ohm", "<f4"),
    379: ("Energy charge/W.h", "<f8"), 391: ("<E1>/V", "<f4"), 392: ("<E2>/V", "<f4"),
    422: ("Phase(Zstack)/deg", "<f4"), 423: ("|Zstack|/Ohm", "<f4"), 424: ("Re(Zstack)/Ohm", "<f4"),
    425: ("-Im(Zstack)/Ohm", "<f4"), 426: ("<Estack>/V", "<f4"),
    430: ("Phase(Zwe-ce)/deg", "<f4"), 431: ("|Zwe-ce|/Ohm", "<f4"), 432: ("Re(Zwe-ce)/Ohm", "<f4"),
    433: ("-Im(Zwe-ce)/Ohm", "<f4"), 434: ("(Q-Qo)/C", "<f4"), 435: ("dQ/C", "<f4"), 441: ("<Ecv>/V", "<f4"),
    462: ("Temperature/°C", "<f4"), 467: ("Q charge/discharge/mA.h", "<f8"), 468: ("half cycle", "<u4"),
    469: ("z cycle", "<u4"), 471: ("<Ece>/V", "<f4"), 473: ("THD Ewe/%", "<f4"), 474: ("THD I/%", "<f4"),
    475: ("THD Ece/%", "<f4"), 476: ("NSD Ewe/%", "<f4"), 477: ("NSD I/%", "<f4"), 478: ("NSD Ece/%", "<f4"),
    479: ("NSR Ewe/%", "<f4"), 480: ("NSR I/%", "<f4"), 481: ("NSR Ece/%", "<f4"),
    **{486 + k: (f"|Ewe h{k + 2}|/V", "<f4") for k in range(6)},
    **{492 + k: (f"|I h{k + 2}|/A", "<f4") for k in range(6)},
    **{498 + k: (f"|Ece h{k + 2}|/V", "<f4") for k in range(6)},
}

# Flag ids share one byte per row, placed where the first flag id appears: id -> (name, bit mask).
FLAGS: dict[int, tuple[str, int]] = {
    1: ("mode", 0x03), 2: ("ox/red", 0x04), 3: ("error", 0x08), 21: ("control changes", 0x10),
    31: ("Ns changes", 0x20), 65: ("counter inc.", 0x80),
}

# First byte of the `VMP Set` module -> (EC-Lab short name, technique as EC-Lab names it).
TECHNIQUES: dict[int, tuple[str, str]] = {
    0x04: ("GCPL", "Galvanostatic Cycling with Potential Limitation"),
    0x06: ("CV", "Cyclic Voltammetry"),
    0x0B: ("OCV", "Open Circuit Voltage"),
    0x16: ("MP", "Modular Potentio"),
    0x18: ("CA", "Chronoamperometry"),
    0x19: ("CP", "Chronopotentiometry"),
    0x1C: ("WAIT", "Wait"),
    0x1D: ("PEIS", "Potentio Electrochemical Impedance Spectroscopy"),
    0x1E: ("GEIS", "Galvano Electrochemical Impedance Spectroscopy"),
    0x30: ("CV", "Cyclic Voltammetry"),
    0x32: ("ZIR", "IR compensation (PEIS)"),
    0x33: ("CVA", "Cyclic Voltammetry Advanced"),
    0x6C: ("LSV", "Linear Sweep Voltammetry"),
    0x75: ("coV", "Constant Voltage"),
    0x76: ("coC", "Constant Current"),
    0x77: ("GCPL", "Galvanostatic Cycling with Potential Limitation"),
    0x7F: ("MB", "Modulo Bat"),
}
IMPEDANCE_TECHNIQUES = frozenset({0x1D, 0x1E})

# Data module: effective version -> (column-id dtype, offset of the first row in the module payload).
# Version 0: one byte per id (oldest EC-Lab); 2 and 3: little-endian u16 (3 adds one byte before the
# rows); 10 and 11 (EC-Lab >= 11.50, newer module header): big-endian u16 ids, rows at 0x3EF.
DATA_LAYOUTS: dict[int, tuple[str, int]] = {0: ("u1", 100), 2: ("<u2", 0x195), 3: ("<u2", 0x196),
                                            10: (">u2", 0x3EF), 11: (">u2", 0x3EF)}
