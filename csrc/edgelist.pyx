# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Streaming edge-list tokenizer behind :func:`imx.io.edgelist.read_edgelist`.

A :class:`Tokenizer` is fed raw byte chunks and parses them straight into
growing typed arrays.  In integer mode (every node id a non-negative integer)
no Python object is created per line and the scan runs without the GIL, so a
decompression thread can run beside it.  When a node id is not an integer the
scan stops with a restart status and the caller parses the file again in
string mode, where ids are interned through a dict.

Errors do not raise from inside the scan: the scan stops with ``ST_ERROR`` and
:meth:`Tokenizer.error` describes the problem (line, column, message).
"""
cimport cython
from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.math cimport isnan
from libc.stdint cimport INT64_MAX, int32_t, int64_t, uint64_t
from libc.stdlib cimport strtod
from libc.string cimport memchr, memcpy

import numpy as np

# scan status
cdef enum:
    OK = 0
    ERROR = 1
    RESTART_NAMES = 2      # the first data line holds column names: parse again, skipping it
    RESTART_STRINGS = 3    # a node id is not an integer: parse again in string mode

# delimiter codes besides a byte value
cdef enum:
    WS = -1                # runs of spaces and tabs
    AUTO = -2              # a comma if the first data line has one, else WS

# ids modes
cdef enum:
    IDS_AUTO = 0           # integers unless a non-integer id shows in the first DETECT lines
    IDS_INT = 1
    IDS_STR = 2

# data lines (not blank, not comments) that decide integer or string ids in IDS_AUTO
cdef enum:
    DETECT = 1000

# why the first data line was skipped
cdef enum:
    SKIP_NONE = 0
    SKIP_NAMES_INT = 1     # a non-integer id above integer rows
    SKIP_NAMES_PROB = 2    # third field not a number (string ids)
    SKIP_TWO_OVER_THREE = 3
    SKIP_N_M = 4           # `n m` whose counts match the file
    SKIP_UNUSED_NAMES = 5  # string ids: neither token is a node anywhere else (CSV)
    SKIP_N_M_STRINGS = 6   # same, the two tokens being integers

ST_OK = OK
ST_ERROR = ERROR
ST_RESTART_NAMES = RESTART_NAMES
ST_RESTART_STRINGS = RESTART_STRINGS
DELIM_WHITESPACE = WS
DELIM_AUTO = AUTO
IDS_MODES = {"auto": IDS_AUTO, "int": IDS_INT, "str": IDS_STR}
DETECT_LINES = DETECT

cdef enum:
    MAXF = 4           # field spans kept per line (more are only counted)
    TOKEN_KEEP = 48    # bytes of an offending token kept for the message
    FIRST_KEEP = 120   # bytes of the first data line kept (a skipped header is reported)

# error kinds
cdef enum:
    E_NONE = 0
    E_FEW = 1          # fewer than 2 fields
    E_MANY = 2         # more than 3 fields
    E_MISMATCH = 3     # column count differs from the first edge line
    E_EMPTY = 4        # empty field between delimiters
    E_NEGATIVE = 5
    E_OVERFLOW = 6
    E_NOT_NUMBER = 7
    E_NAN = 8
    E_RANGE = 9
    E_NUL = 10
    E_UTF8 = 11
    E_NOT_INT = 12     # a non-integer id once ids were decided to be integers
    E_HEADER = 13      # `n m` that fits the ids but not the edge count

# parse_id results
cdef enum:
    ID_OK = 0
    ID_NOT_INT = 1
    ID_NEGATIVE = 2
    ID_OVERFLOW = 3

# parse_prob results
cdef enum:
    P_OK = 0
    P_NOT_NUMBER = 1
    P_NAN = 2
    P_RANGE = 3

cdef double POW10[23]
cdef int _i
POW10[0] = 1.0
for _i in range(1, 23):
    POW10[_i] = POW10[_i - 1] * 10.0   # exact up to 1e22


cdef inline bint is_ws(char c) noexcept nogil:
    return c == b' ' or c == b'\t' or c == b'\r' or c == b'\v' or c == b'\f'


cdef inline int parse_id(const char* s, const char* e, int64_t* out) noexcept nogil:
    """Parse ``-?[0-9]+`` into ``out``; classify anything else."""
    cdef bint negative = False
    cdef bint overflow = False
    cdef uint64_t value = 0
    cdef unsigned int digit
    if s < e and s[0] == b'-':
        negative = True
        s += 1
    if s == e:
        return ID_NOT_INT
    while s < e:
        digit = <unsigned char>s[0] - 48
        if digit > 9:
            return ID_NOT_INT
        if value > (<uint64_t>INT64_MAX - digit) // 10:
            overflow = True
        else:
            value = value * 10 + digit
        s += 1
    if negative and (overflow or value != 0):
        return ID_NEGATIVE
    if overflow:
        return ID_OVERFLOW
    out[0] = <int64_t>value
    return ID_OK


cdef inline int parse_prob(const char* s, const char* e, double* out) noexcept nogil:
    """Parse a probability; a plain decimal takes an exact fast path, the rest strtod."""
    cdef const char* p = s
    cdef uint64_t mant = 0
    cdef int sig = 0
    cdef int frac = 0
    cdef bint seen_digit = False
    cdef bint dot = False
    cdef unsigned int digit
    cdef char buf[128]
    cdef char* end
    cdef double value
    cdef Py_ssize_t length
    while p < e:
        digit = <unsigned char>p[0] - 48
        if digit <= 9:
            seen_digit = True
            if mant != 0 or digit != 0:
                sig += 1
            mant = mant * 10 + digit
            if dot:
                frac += 1
            if sig > 15 or frac > 22:
                break
        elif p[0] == b'.' and not dot:
            dot = True
        else:
            break
        p += 1
    if p == e and seen_digit:
        # mant < 1e15 < 2**53 and 10**frac are exact, so the quotient is correctly rounded
        value = mant / POW10[frac]
    else:
        length = e - s
        if length >= 127:
            return P_NOT_NUMBER
        memcpy(buf, s, length)
        buf[length] = 0
        value = strtod(buf, &end)
        if end != buf + length or length == 0:
            return P_NOT_NUMBER
    out[0] = value
    if isnan(value):
        return P_NAN
    if not (value >= 0.0 and value <= 1.0):
        return P_RANGE
    return P_OK


@cython.final
cdef class Tokenizer:
    """Incremental edge-list parser (one file, one mode).

    Parameters
    ----------
    delimiter : int
        ``DELIM_AUTO`` (comma if the first data line has one, else whitespace),
        ``DELIM_WHITESPACE``, or the byte value of a one-character delimiter.
    comment : int
        Byte that starts a comment line, or -1 for none.
    strings : bool
        Parse node ids as strings (interned) instead of integers.
    skip_names : bool
        Skip the first data line (it holds column names).
    ids : int
        ``IDS_MODES[...]``: in ``auto`` a non-integer id past the first
        ``DETECT_LINES`` data lines is an error, not a switch to string ids.
    """

    cdef int delim
    cdef int comment
    cdef readonly bint strings
    cdef bint skip_names
    cdef int ids_mode
    cdef int skipped
    cdef int64_t first_line
    cdef char first_text[FIRST_KEEP]
    cdef int first_len
    cdef readonly int64_t lineno
    cdef int64_t data_lines
    cdef int ncols
    cdef int64_t first_edge_line
    # a first line of two integers may be an `n m` header
    cdef bint candidate
    cdef int64_t cand_a, cand_b
    cdef object cand_tokens
    cdef bint header
    cdef int64_t header_n, header_m
    # storage
    cdef object src_arr, dst_arr, prob_arr
    cdef int64_t* src
    cdef int64_t* dst
    cdef double* prob
    cdef int64_t cap
    cdef readonly int64_t count
    cdef dict ids
    cdef list names
    cdef bytearray carry
    # the error that stopped the scan, and a pending id error of integer mode
    cdef int err_kind, err_column, err_nf
    cdef int64_t err_line
    cdef char err_token[TOKEN_KEEP]
    cdef int err_token_len
    cdef int pend_kind, pend_column
    cdef int64_t pend_line
    cdef char pend_token[TOKEN_KEEP]
    cdef int pend_token_len

    def __cinit__(self, int delimiter=AUTO, int comment=35, bint strings=False,
                  bint skip_names=False, int ids=IDS_AUTO):
        self.ids_mode = ids
        self.skipped = SKIP_NONE
        self.first_line = 0
        self.first_len = 0
        self.delim = delimiter
        self.comment = comment
        self.strings = strings
        self.skip_names = skip_names
        self.lineno = 0
        self.data_lines = 0
        self.ncols = 0
        self.first_edge_line = 0
        self.candidate = False
        self.cand_tokens = None
        self.header = False
        self.cap = 0
        self.count = 0
        self.ids = {}
        self.names = []
        self.carry = bytearray()
        self.err_kind = E_NONE
        self.pend_kind = E_NONE
        self._grow(1024)

    # ---------------------------------------------------------------- storage
    cdef int _grow(self, int64_t need) except -1:
        cdef int64_t newcap
        cdef int64_t[::1] s
        cdef int64_t[::1] d
        cdef double[::1] p
        if need <= self.cap:
            return 0
        newcap = max(need, 2 * self.cap)
        src_arr = np.empty(newcap, dtype=np.int64)
        dst_arr = np.empty(newcap, dtype=np.int64)
        prob_arr = np.empty(newcap, dtype=np.float64)
        if self.count:
            src_arr[:self.count] = self.src_arr[:self.count]
            dst_arr[:self.count] = self.dst_arr[:self.count]
            if self.ncols == 3:
                prob_arr[:self.count] = self.prob_arr[:self.count]
        self.src_arr, self.dst_arr, self.prob_arr = src_arr, dst_arr, prob_arr
        s = src_arr
        d = dst_arr
        p = prob_arr
        self.src = &s[0]
        self.dst = &d[0]
        self.prob = &p[0]
        self.cap = newcap
        return 0

    # ---------------------------------------------------------------- errors
    cdef inline int _fail(self, int kind, int column, const char* s, const char* e) noexcept nogil:
        cdef Py_ssize_t length = e - s if s != NULL else 0
        if length > TOKEN_KEEP:
            length = TOKEN_KEEP
        self.err_kind = kind
        self.err_column = column
        self.err_line = self.lineno
        if length:
            memcpy(self.err_token, s, length)
        self.err_token_len = <int>length
        return ERROR

    cdef inline void _pend(self, int kind, int column, const char* s, const char* e) noexcept nogil:
        """Remember the first negative/overflowing id: an error only if the file stays integer."""
        cdef Py_ssize_t length = e - s
        if self.pend_kind != E_NONE:
            return
        if length > TOKEN_KEEP:
            length = TOKEN_KEEP
        self.pend_kind = kind
        self.pend_column = column
        self.pend_line = self.lineno
        memcpy(self.pend_token, s, length)
        self.pend_token_len = <int>length

    def error(self):
        """``(line, column or None, problem)`` of the error that stopped the scan."""
        cdef int kind = self.err_kind
        cdef int column = self.err_column
        cdef int64_t line = self.err_line
        cdef bytes raw
        if self.pend_kind != E_NONE:
            kind, column, line = self.pend_kind, self.pend_column, self.pend_line
            raw = self.pend_token[:self.pend_token_len]
        else:
            raw = self.err_token[:self.err_token_len]
        token = raw.decode("utf-8", "replace")
        if kind == E_FEW:
            problem = (f"found {self.err_nf} column, expected 2 ('u v') or 3 ('u v p')"
                       if self.ncols == 0 else
                       f"found {self.err_nf} column, but the first edge line "
                       f"(line {self.first_edge_line}) has {self.ncols}")
            column = 0
        elif kind == E_MANY:
            problem = f"found {self.err_nf} columns, expected 2 ('u v') or 3 ('u v p')"
            column = 0
        elif kind == E_MISMATCH:
            problem = (f"found {self.err_nf} columns, but the first edge line "
                       f"(line {self.first_edge_line}) has {self.ncols}")
            column = 0
        elif kind == E_EMPTY:
            problem = "empty field"
        elif kind == E_NEGATIVE:
            problem = f"negative node id {token}"
        elif kind == E_OVERFLOW:
            problem = f"node id {token} does not fit in a 64-bit integer"
        elif kind == E_NOT_NUMBER:
            problem = f"{token!r} is not a number"
        elif kind == E_NAN:
            problem = "probability is NaN"
        elif kind == E_RANGE:
            problem = f"probability {token} is not in [0, 1]"
        elif kind == E_NUL:
            problem = "binary data (a NUL byte); this is not a text edge list"
            column = 0
        elif kind == E_UTF8:
            problem = "node id is not valid UTF-8"
        elif kind == E_NOT_INT:
            if self.ids_mode == IDS_INT:
                problem = (f"node id {token!r} is not an integer (integer ids were asked for); "
                           "pass --ids str (ids='str') to read string ids")
            else:
                problem = (f"node id {token!r} is not an integer, but the first {DETECT} data "
                           "lines have integer ids only; pass --ids str (ids='str') to read "
                           "string ids")
        elif kind == E_HEADER:
            problem = (f"the first line '{self.cand_a} {self.cand_b}' reads as an 'n m' header "
                       f"(every node id is below n={self.cand_a}), but m={self.cand_b} while the "
                       f"file has {self.count - 1} edge lines; correct m, or start the line "
                       "with '#' to make it a comment (or, if it is an edge, move it down)")
            column = 0
        else:
            problem = "unknown parse error"
        return int(line), (column if column > 0 else None), problem

    # ---------------------------------------------------------------- lines
    cdef inline int _split(self, const char* s, const char* e, const char** fs, const char** fe,
                    int* nf_out) noexcept nogil:
        """Split the stripped, non-empty line ``s..e`` into fields."""
        cdef int nf = 0
        cdef const char* p = s
        cdef const char* q
        cdef const char* a
        cdef const char* b
        cdef char d
        if self.delim == WS:
            while p < e:
                q = p
                while q < e and not is_ws(q[0]):
                    if q[0] == 0:
                        return self._fail(E_NUL, 0, NULL, NULL)
                    q += 1
                if nf < MAXF:
                    fs[nf] = p
                    fe[nf] = q
                nf += 1
                p = q
                while p < e and is_ws(p[0]):
                    p += 1
        else:
            d = <char>self.delim
            while True:
                q = p
                while q < e and q[0] != d:
                    if q[0] == 0:
                        return self._fail(E_NUL, 0, NULL, NULL)
                    q += 1
                a = p
                b = q
                while a < b and is_ws(a[0]):
                    a += 1
                while b > a and is_ws((b - 1)[0]):
                    b -= 1
                if a == b:
                    return self._fail(E_EMPTY, nf + 1, NULL, NULL)
                if nf < MAXF:
                    fs[nf] = a
                    fe[nf] = b
                nf += 1
                if q == e:
                    break
                p = q + 1
        nf_out[0] = nf
        return OK

    cdef inline int _columns(self, int nf) noexcept nogil:
        """Check the field count of an edge line; confirm an `n m` header on the way."""
        if nf < 2:
            self.err_nf = nf
            return self._fail(E_FEW, 0, NULL, NULL)
        if nf > 3:
            self.err_nf = nf
            return self._fail(E_MANY, 0, NULL, NULL)
        if self.ncols == 0:
            self.ncols = nf
            self.first_edge_line = self.lineno
            return OK
        if nf != self.ncols:
            if self.candidate and self.count == 1 and self.ncols == 2 and nf == 3:
                # `n m` then `u v p` lines (NetHEPT): the first line was a header
                self.skipped = SKIP_TWO_OVER_THREE
                self.header = not self.strings
                self.header_n = self.cand_a
                self.header_m = self.cand_b
                self.candidate = False
                self.count = 0
                self.ncols = 3
                self.first_edge_line = self.lineno
                return OK
            self.err_nf = nf
            return self._fail(E_MISMATCH, 0, NULL, NULL)
        return OK

    cdef inline int _prepare(self, const char** s, const char** e) noexcept nogil:
        """Strip the line; return 1 if it holds data, 0 if blank or a comment."""
        cdef const char* a = s[0]
        cdef const char* b = e[0]
        while a < b and is_ws(a[0]):
            a += 1
        while b > a and is_ws((b - 1)[0]):
            b -= 1
        if a == b or <unsigned char>a[0] == self.comment:
            return 0
        if self.delim == AUTO:
            self.delim = b',' if memchr(a, b',', b - a) != NULL else WS
        s[0] = a
        e[0] = b
        return 1

    cdef inline void _keep_first(self, const char* s, const char* e) noexcept nogil:
        cdef Py_ssize_t length = e - s
        if length > FIRST_KEEP:
            length = FIRST_KEEP
        self.first_line = self.lineno
        memcpy(self.first_text, s, length)
        self.first_len = <int>length

    cdef inline int _prob(self, const char* s, const char* e, int64_t slot) noexcept nogil:
        cdef double value
        cdef int st = parse_prob(s, e, &value)
        if st == P_OK:
            self.prob[slot] = value
            return OK
        if st == P_NOT_NUMBER:
            return self._fail(E_NOT_NUMBER, 3, s, e)
        if st == P_NAN:
            return self._fail(E_NAN, 3, s, e)
        return self._fail(E_RANGE, 3, s, e)

    cdef inline int _int_line(self, const char* s, const char* e) noexcept nogil:
        cdef const char* fs[MAXF]
        cdef const char* fe[MAXF]
        cdef int nf = 0
        cdef int st, c
        cdef int64_t ident[2]
        cdef int64_t slot
        self.lineno += 1
        if not self._prepare(&s, &e):
            return OK
        if self._split(s, e, fs, fe, &nf) != OK:
            return ERROR
        self.data_lines += 1
        if self.data_lines == 1:
            self._keep_first(s, e)
            if self.skip_names:
                self.skipped = SKIP_NAMES_INT
                return OK
        if self._columns(nf) != OK:
            return ERROR
        for c in range(2):
            st = parse_id(fs[c], fe[c], &ident[c])
            if st != ID_OK:
                if st == ID_NOT_INT:
                    if self.data_lines == 1 and not self.skip_names:
                        return RESTART_NAMES
                    if self.ids_mode == IDS_AUTO and self.data_lines <= DETECT:
                        return RESTART_STRINGS
                    return self._fail(E_NOT_INT, c + 1, fs[c], fe[c])
                self._pend(E_NEGATIVE if st == ID_NEGATIVE else E_OVERFLOW, c + 1, fs[c], fe[c])
                ident[c] = 0
        slot = self.count
        if slot == 0 and self.data_lines == 1 and nf == 2:
            self.candidate = True
            self.cand_a = ident[0]
            self.cand_b = ident[1]
        self.src[slot] = ident[0]
        self.dst[slot] = ident[1]
        if nf == 3 and self._prob(fs[2], fe[2], slot) != OK:
            return ERROR
        self.count = slot + 1
        return OK

    cdef int64_t _intern(self, const char* s, const char* e) except -2:
        token = PyBytes_FromStringAndSize(s, e - s)
        value = self.ids.get(token)
        if value is None:
            try:
                token.decode("utf-8")
            except UnicodeDecodeError:
                return -1
            value = len(self.names)
            self.ids[token] = value
            self.names.append(token)
        return value

    cdef int _str_line(self, const char* s, const char* e) except -1:
        cdef const char* fs[MAXF]
        cdef const char* fe[MAXF]
        cdef int nf = 0
        cdef int c
        cdef int64_t ident[2]
        cdef int64_t dummy
        cdef double dummy_prob
        cdef int64_t slot
        self.lineno += 1
        if not self._prepare(&s, &e):
            return OK
        if self._split(s, e, fs, fe, &nf) != OK:
            return ERROR
        self.data_lines += 1
        if self.data_lines == 1:
            self._keep_first(s, e)
            if self.skip_names:
                self.skipped = SKIP_NAMES_INT
                return OK
            if nf == 3 and parse_prob(fs[2], fe[2], &dummy_prob) == P_NOT_NUMBER:
                self.skipped = SKIP_NAMES_PROB   # e.g. `source,target,weight`
                return OK
        if self._columns(nf) != OK:
            return ERROR
        slot = self.count
        if slot == 0 and self.data_lines == 1 and nf == 2:
            # keep the tokens out of the id table until we know it is not a header
            if not (parse_id(fs[0], fe[0], &self.cand_a) == ID_OK
                    and parse_id(fs[1], fe[1], &self.cand_b) == ID_OK):
                self.cand_a = self.cand_b = -1
            self.candidate = True
            self.cand_tokens = (PyBytes_FromStringAndSize(fs[0], fe[0] - fs[0]),
                                PyBytes_FromStringAndSize(fs[1], fe[1] - fs[1]))
            for c in range(2):
                try:
                    self.cand_tokens[c].decode("utf-8")
                except UnicodeDecodeError:
                    return self._fail(E_UTF8, c + 1, NULL, NULL)
            ident[0] = -1
            ident[1] = -1
        else:
            for c in range(2):
                ident[c] = self._intern(fs[c], fe[c])
                if ident[c] < 0:
                    return self._fail(E_UTF8, c + 1, NULL, NULL)
        self.src[slot] = ident[0]
        self.dst[slot] = ident[1]
        if nf == 3 and self._prob(fs[2], fe[2], slot) != OK:
            return ERROR
        self.count = slot + 1
        return OK

    cdef inline bint _separator(self, const char** q, const char* end) noexcept nogil:
        """Step over one field separator at ``q``; False if there is none."""
        cdef const char* p = q[0]
        cdef const char* start = p
        while p < end and (p[0] == b' ' or p[0] == b'\t'):
            p += 1
        if self.delim != WS:
            if p == end or p[0] != <char>self.delim:
                return False
            p += 1
            while p < end and (p[0] == b' ' or p[0] == b'\t'):
                p += 1
        elif p == start:
            return False
        q[0] = p
        return True

    cdef inline bint _fast_line(self, const char* p, const char* end,
                                const char** after) noexcept nogil:
        """Parse a well-formed edge line in one pass; False sends it to :meth:`_int_line`.

        Used once the column count and delimiter are known.  Anything unusual
        (comment, blank line, sign, a long id, a bad number, a column too many)
        is left to the general path, which also writes the error messages.
        """
        cdef const char* q = p
        cdef const char* t
        cdef int64_t ident[2]
        cdef uint64_t value
        cdef unsigned int digit
        cdef int c, digits
        cdef double prob = 0.0
        while q < end and (q[0] == b' ' or q[0] == b'\t'):
            q += 1
        for c in range(2):
            if c == 1 and not self._separator(&q, end):
                return False
            value = 0
            digits = 0
            while q < end:
                digit = <unsigned char>q[0] - 48
                if digit > 9:
                    break
                value = value * 10 + digit
                digits += 1
                q += 1
            if digits == 0 or digits > 18:
                return False
            ident[c] = <int64_t>value
        if self.ncols == 3:
            if not self._separator(&q, end):
                return False
            t = q
            while q < end and not is_ws(q[0]) and q[0] != b'\n' and (
                    self.delim == WS or q[0] != <char>self.delim):
                q += 1
            if parse_prob(t, q, &prob) != P_OK:
                return False
        while q < end and is_ws(q[0]):
            q += 1
        if q < end and q[0] != b'\n':
            return False
        self.src[self.count] = ident[0]
        self.dst[self.count] = ident[1]
        if self.ncols == 3:
            self.prob[self.count] = prob
        self.count += 1
        self.lineno += 1
        self.data_lines += 1
        after[0] = q + 1 if q < end else end
        return True

    cdef int _scan_int(self, const char* p, Py_ssize_t n) noexcept nogil:
        cdef const char* end = p + n
        cdef const char* nl
        cdef int st
        cdef bint fast = self.ncols != 0 and self.delim != AUTO
        while p < end:
            if fast and self._fast_line(p, end, &p):
                continue
            nl = <const char*>memchr(p, b'\n', end - p)
            if nl == NULL:
                nl = end
            st = self._int_line(p, nl)
            if st != OK:
                return st
            p = nl + 1 if nl < end else end
            fast = self.ncols != 0 and self.delim != AUTO
        return OK

    cdef int _scan_str(self, const char* p, Py_ssize_t n) except -1:
        cdef const char* end = p + n
        cdef const char* nl
        cdef int st
        while p < end:
            nl = <const char*>memchr(p, b'\n', end - p)
            if nl == NULL:
                nl = end
            st = self._str_line(p, nl)
            if st != OK:
                return st
            p = nl + 1 if nl < end else end
        return OK

    cdef int _region(self, const char* p, Py_ssize_t n) except -1:
        """Parse the complete lines ``p..p+n`` (the last may lack its newline)."""
        cdef int64_t lines = 1
        cdef Py_ssize_t i
        cdef int st
        with nogil:
            for i in range(n):
                lines += p[i] == b'\n'
        self._grow(self.count + lines)
        if self.strings:
            return self._scan_str(p, n)
        with nogil:
            st = self._scan_int(p, n)
        return st

    # ---------------------------------------------------------------- public
    def reserve(self, int64_t lines):
        """Make room for ``lines`` edges up front (untouched room costs no memory)."""
        self._grow(lines)

    def feed(self, data):
        """Parse a chunk of bytes; return a status (``ST_OK`` to go on)."""
        cdef const unsigned char[::1] view = data
        cdef Py_ssize_t n = view.shape[0]
        cdef const char* p
        cdef const char* nl
        cdef const char* last
        cdef Py_ssize_t k
        cdef int st
        cdef char* carried
        if n == 0:
            return OK
        p = <const char*>&view[0]
        if len(self.carry):
            nl = <const char*>memchr(p, b'\n', n)
            if nl == NULL:
                self.carry.extend(data)
                return OK
            k = nl - p + 1
            self.carry.extend(data[:k])
            carried = self.carry
            st = self._region(carried, len(self.carry))
            self.carry = bytearray()
            if st != OK:
                return st
            p += k
            n -= k
        last = p + n - 1
        while last >= p and last[0] != b'\n':
            last -= 1
        if last >= p:
            st = self._region(p, last - p + 1)
            if st != OK:
                return st
        k = (p + n) - (last + 1)
        if k > 0:
            self.carry.extend(data[view.shape[0] - k:])
        return OK

    def finish(self):
        """Parse a last line without newline; return a status."""
        cdef char* carried
        cdef int st = OK
        if len(self.carry):
            carried = self.carry
            st = self._region(carried, len(self.carry))
            self.carry = bytearray()
        if st == OK and self.pend_kind != E_NONE:
            return ERROR
        if st == OK and self._header_count_disagrees():
            self.err_kind = E_HEADER
            self.err_line = self.first_line
            return ERROR
        return st

    cdef bint _header_count_disagrees(self):
        """An integer `n m` line above two-column rows whose ids all fit below n, m not matching."""
        cdef int64_t count = self.count
        if not (self.candidate and self.ncols == 2 and count > 1 and not self.strings):
            return False
        if count - 1 == self.cand_b:
            return False
        return max(int(self.src_arr[1:count].max()), int(self.dst_arr[1:count].max())) < self.cand_a

    def result(self):
        """Final arrays: dict with src, dst (internal ids), prob, labels, n, lines, header.

        Internal ids are the ranks of the labels in sorted order.  Call after
        :meth:`finish` returned ``ST_OK``.
        """
        cdef int64_t count = self.count
        cdef int64_t start = 0
        # give back the unused tail in place (realloc), then drop the storage
        self.src = self.dst = NULL
        self.prob = NULL
        self.cap = 0
        src, dst, prob = self.src_arr, self.dst_arr, self.prob_arr
        self.src_arr = self.dst_arr = self.prob_arr = None
        src.resize(count, refcheck=False)
        dst.resize(count, refcheck=False)
        if self.ncols == 3:
            prob.resize(count, refcheck=False)
        else:
            prob = None
        header = (int(self.header_n), int(self.header_m)) if self.header else None
        if self.candidate and self.ncols == 2 and count > 1 and count - 1 == self.cand_b \
                and not self.strings \
                and max(int(src[1:].max()), int(dst[1:].max())) < self.cand_a:
            # `n m` then exactly m >= 1 two-column lines whose integer ids fit in 0..n-1
            header = (int(self.cand_a), int(self.cand_b))
            self.skipped = SKIP_N_M
            start = 1
        elif self.strings and self.candidate:
            if count > 1 and self.cand_tokens[0] not in self.ids \
                    and self.cand_tokens[1] not in self.ids \
                    and (self.delim != WS or self.cand_a >= 0):
                # names that are no node elsewhere: CSV column names (`from,to`) or `n m`;
                # in a whitespace file `a b` is an edge (tiny files often start with one)
                self.skipped = SKIP_N_M_STRINGS if self.cand_a >= 0 else SKIP_UNUSED_NAMES
                start = 1
            else:
                src[0] = self._intern_tokens(self.cand_tokens[0])
                dst[0] = self._intern_tokens(self.cand_tokens[1])
        src = src[start:]
        dst = dst[start:]
        if prob is not None:
            prob = prob[start:]
        lines = count - start
        if self.strings:
            labels, src, dst = _relabel_strings(self.names, src, dst)
        else:
            labels, src, dst = _relabel_ints(src, dst, header)
        return {"src": src, "dst": dst, "prob": prob, "labels": labels, "n": int(labels.shape[0]),
                "lines": int(lines), "header": header, "skipped": self._skipped_line()}

    def _skipped_line(self):
        if self.skipped == SKIP_NONE:
            return None
        text = self.first_text[:self.first_len].decode("utf-8", "replace")
        return int(self.first_line), text, _SKIP_REASONS[self.skipped]

    def _intern_tokens(self, bytes token):
        value = self.ids.get(token)
        if value is None:
            value = len(self.names)
            self.ids[token] = value
            self.names.append(token)
        return value


_SKIP_REASONS = {
    SKIP_NAMES_INT: "column names: a non-integer id above integer-id rows",
    SKIP_NAMES_PROB: "column names: its third field is not a number",
    SKIP_TWO_OVER_THREE: "a header: two fields above three-column rows",
    SKIP_N_M: "an 'n m' header: n is above every node id and m is the edge line count",
    SKIP_UNUSED_NAMES: "a header: neither of its two fields is a node on any other line",
    SKIP_N_M_STRINGS: "an 'n m' header above string ids: neither number is a node elsewhere",
}


def _relabel_strings(list names, src, dst):
    labels = np.array([t.decode("utf-8") for t in names], dtype=str)
    if labels.shape[0] == 0:
        return labels, src, dst
    order = np.argsort(labels, kind="stable")
    rank = np.empty(order.shape[0], dtype=np.int64)
    rank[order] = np.arange(order.shape[0], dtype=np.int64)
    return labels[order], rank[src], rank[dst]


def _relabel_ints(src, dst, header):
    """Map integer ids to their ranks among the ids present (or keep 0..n-1 under a header)."""
    cdef int64_t m = src.shape[0]
    top = -1  # a Python int: the largest id may be 2**63 - 1
    if m:
        top = max(int(src.max()), int(dst.max()))
    if header is not None and top < header[0] and header[0] < 2**31 - 1:
        return np.arange(header[0], dtype=np.int64), src, dst
    if m == 0:
        return np.zeros(0, dtype=np.int64), src, dst
    if top + 1 <= 4 * m + (1 << 20):
        return _dense_relabel(src, dst, top + 1)
    labels, inverse = np.unique(np.concatenate((src, dst)), return_inverse=True)
    inverse = inverse.astype(np.int64, copy=False).reshape(-1)
    return labels.astype(np.int64, copy=False), inverse[:m], inverse[m:]


def _dense_relabel(src_in, dst_in, int64_t size):
    """Relabel in place through a table of ``size`` entries (ids are < size)."""
    cdef int64_t[::1] src = src_in
    cdef int64_t[::1] dst = dst_in
    remap_arr = np.zeros(size, dtype=np.int64)
    labels_arr = np.empty(size, dtype=np.int64)
    cdef int64_t[::1] remap = remap_arr
    cdef int64_t[::1] labels = labels_arr
    cdef int64_t m = src.shape[0]
    cdef int64_t i, v, k = 0
    with nogil:
        for i in range(m):
            remap[src[i]] = 1
            remap[dst[i]] = 1
        for v in range(size):
            if remap[v]:
                remap[v] = k
                labels[k] = v
                k += 1
        for i in range(m):
            src[i] = remap[src[i]]
            dst[i] = remap[dst[i]]
    return labels_arr[:k].copy(), src_in, dst_in


def format_arcs(const int32_t[::1] tails, const int32_t[::1] heads, const int32_t[::1] pcode,
                bytes label_text, const int64_t[::1] label_offsets, bytes prob_text,
                const int64_t[::1] prob_offsets):
    """Text of ``label<TAB>label<TAB>prob<LF>`` lines from pre-formatted tables.

    Label ``i`` is ``label_text[label_offsets[i]:label_offsets[i+1]]``; the
    probability of arc ``j`` is entry ``pcode[j]`` of the ``prob`` table.
    """
    cdef int64_t m = tails.shape[0]
    cdef int64_t j, total = 0
    cdef int64_t a, b, c
    for j in range(m):
        a = tails[j]
        b = heads[j]
        c = pcode[j]
        total += (label_offsets[a + 1] - label_offsets[a]) + (label_offsets[b + 1] - label_offsets[b])
        total += (prob_offsets[c + 1] - prob_offsets[c]) + 3
    out = bytearray(total)
    cdef char* o = out
    cdef const char* lt = label_text
    cdef const char* pt = prob_text
    cdef int64_t pos = 0, length
    with nogil:
        for j in range(m):
            a = tails[j]
            b = heads[j]
            c = pcode[j]
            length = label_offsets[a + 1] - label_offsets[a]
            memcpy(o + pos, lt + label_offsets[a], length)
            pos += length
            o[pos] = b'\t'
            pos += 1
            length = label_offsets[b + 1] - label_offsets[b]
            memcpy(o + pos, lt + label_offsets[b], length)
            pos += length
            o[pos] = b'\t'
            pos += 1
            length = prob_offsets[c + 1] - prob_offsets[c]
            memcpy(o + pos, pt + prob_offsets[c], length)
            pos += length
            o[pos] = b'\n'
            pos += 1
    return out


# ------------------------------------------------------------ binary-form checks
# Loaders of the binary forms (.imxg graphs, HeteroIndex files) call these on
# memory-mapped arrays before any kernel sees them, so a damaged file is an
# error and never an out-of-bounds read.  Every index is checked before use.

cdef inline int64_t _bad_offsets(const int64_t[::1] off, int64_t m) noexcept nogil:
    """Index of the first offset that breaks 0 = off[0] <= off[1] <= ... = m, else -1."""
    cdef int64_t n = off.shape[0] - 1
    cdef int64_t i
    if n < 0 or off[0] != 0:
        return 0
    for i in range(n):
        if off[i + 1] < off[i] or off[i + 1] > m:
            return i + 1
    if off[n] != m:
        return n
    return -1


cdef int _in_order_walk(const int64_t[::1] out_offsets, const int32_t[::1] out_targets,
                        const float[::1] out_probs, const int64_t[::1] in_offsets,
                        const int32_t[::1] in_sources, const float[::1] in_probs,
                        float[::1] in_values, int64_t[::1] cursor, int64_t* where) noexcept nogil:
    """The arcs in out-order (tail ascending), arc ``j = (u, v)`` taking the next free
    slot of ``v``'s in-list: the in-order is the stable sort of the out-order on the
    head.  With ``in_sources`` not empty the slot must hold ``u`` (and ``in_probs[slot]
    == out_probs[j]`` when those are not empty, each in ``[0, 1]``); with
    ``in_values`` not empty ``out_probs[j]`` is written there.  Offsets must be valid
    (``_bad_offsets``).  Returns 0, or 1 (a target outside ``[0, n)``), 2 (a
    probability outside ``[0, 1]``) or 3 (no such slot, or it differs), with the arc
    in ``where``."""
    cdef int64_t n = out_offsets.shape[0] - 1
    cdef int64_t u, j, v, pos
    cdef float p = 0.0
    cdef bint check = in_sources.shape[0] > 0
    cdef bint per_arc = check and out_probs.shape[0] > 0
    cdef bint write = in_values.shape[0] > 0
    for u in range(n):
        for j in range(out_offsets[u], out_offsets[u + 1]):
            where[0] = j
            v = out_targets[j]
            if v < 0 or v >= n:
                return 1
            if per_arc:
                p = out_probs[j]
                if not (p >= 0.0 and p <= 1.0):
                    return 2
            pos = cursor[v]
            if pos >= in_offsets[v + 1] or (check and (in_sources[pos] != u or (
                    per_arc and in_probs[pos] != p))):
                return 3
            if write:
                in_values[pos] = out_probs[j]
            cursor[v] = pos + 1
    return 0


def check_arc_orders(const int64_t[::1] out_offsets, const int32_t[::1] out_targets,
                     const float[::1] out_probs, const int64_t[::1] in_offsets,
                     const int32_t[::1] in_sources, const float[::1] in_probs):
    """Check the two CSR orders of a graph hold exactly the same arcs; return a problem or None.

    One pass over the arcs in out-order (tail ascending): arc ``(u, v, p)``
    must be the next unread slot of ``v``'s in-list, holding ``(u, p)``.  The
    graph builder makes the in-order by a stable sort of the out-order on the
    head, so a valid file passes exactly, and any difference (a flipped bit in
    an id, a probability or an offset) fails.  Targets must be in ``[0, n)`` and
    probabilities in ``[0, 1]`` (NaN fails).  O(n + m) time, O(n) memory.
    Empty ``out_probs`` and ``in_probs`` check the arcs alone (a graph whose
    probabilities are per node).
    """
    cdef int64_t n = out_offsets.shape[0] - 1
    cdef int64_t m = out_targets.shape[0]
    cdef int64_t j = 0, bad
    cdef int problem
    cdef bint per_arc = out_probs.shape[0] > 0 or in_probs.shape[0] > 0
    if n < 0 or in_offsets.shape[0] != n + 1:
        return "offset arrays of different lengths"
    if in_sources.shape[0] != m or (per_arc and (out_probs.shape[0] != m
                                                 or in_probs.shape[0] != m)):
        return "arc arrays of different lengths"
    bad = _bad_offsets(out_offsets, m)
    if bad >= 0:
        return f"out-offsets not increasing from 0 to the arc count (at node {bad})"
    bad = _bad_offsets(in_offsets, m)
    if bad >= 0:
        return f"in-offsets not increasing from 0 to the arc count (at node {bad})"
    if m == 0:
        return None
    cursor_arr = np.array(in_offsets[:n], dtype=np.int64)
    cdef int64_t[::1] cursor = cursor_arr
    cdef float[::1] no_values = np.zeros(0, dtype=np.float32)
    with nogil:
        problem = _in_order_walk(out_offsets, out_targets, out_probs, in_offsets, in_sources,
                                 in_probs, no_values, cursor, &j)
    if problem == 0:
        return None
    u = int(np.searchsorted(np.asarray(out_offsets), j, side="right")) - 1
    v = out_targets[j]
    if problem == 1:
        return f"arc {j} has target {v}, outside 0..{n - 1}"
    if problem == 2:
        return f"arc {j} has probability {out_probs[j]}, outside [0, 1]"
    return f"arc {j} ({u} -> {v}) is not the same in the in-order arrays"


def in_order_values(const int64_t[::1] out_offsets, const int32_t[::1] out_targets,
                    const float[::1] out_values, const int64_t[::1] in_offsets):
    """Per-arc ``out_values`` (out-CSR order) put in the in-CSR order of the same arcs.

    The in-order is the stable sort of the out-order on the head (the graph
    builder's, and what :func:`check_arc_orders` checks, by the same walk), so arc
    ``j`` into ``v`` takes the next free slot of ``v``: one pass, O(n) memory, where
    an argsort would take 8 bytes per arc.  Raises ValueError on arrays that do not
    fit together instead of writing out of bounds.
    """
    cdef int64_t n = out_offsets.shape[0] - 1
    cdef int64_t m = out_targets.shape[0]
    cdef int64_t j = 0
    cdef int problem
    if n < 0 or in_offsets.shape[0] != n + 1 or out_values.shape[0] != m:
        raise ValueError("in_order_values: arrays of different lengths")
    if _bad_offsets(out_offsets, m) >= 0 or _bad_offsets(in_offsets, m) >= 0:
        raise ValueError("in_order_values: offsets not increasing from 0 to the arc count")
    out_arr = np.empty(m, dtype=np.float32)
    if m == 0:
        return out_arr
    cdef float[::1] out = out_arr
    cursor_arr = np.array(in_offsets[:n], dtype=np.int64)
    cdef int64_t[::1] cursor = cursor_arr
    cdef int32_t[::1] no_sources = np.zeros(0, dtype=np.int32)
    cdef float[::1] no_probs = np.zeros(0, dtype=np.float32)
    with nogil:
        problem = _in_order_walk(out_offsets, out_targets, out_values, in_offsets, no_sources,
                                 no_probs, out, cursor, &j)
    if problem:
        raise ValueError("in_order_values: the arcs do not match the in-offsets")
    return out_arr


def check_ranked_rows(const int64_t[::1] offsets, const int32_t[::1] targets,
                      const double[::1] scores):
    """Check a HeteroIndex's rows; return a problem or None.

    Offsets increase from 0 to the arc count, targets lie in ``[0, n)`` and
    appear once per row, scores are finite and non-increasing within a row
    (the ranking order).  O(n + m) time, O(n) memory.
    """
    cdef int64_t n = offsets.shape[0] - 1
    cdef int64_t m = targets.shape[0]
    cdef int64_t u, j, v, bad
    cdef double s
    cdef int problem = 0
    if n < 0:
        return "empty offsets"
    if scores.shape[0] != m:
        return "targets and scores of different lengths"
    bad = _bad_offsets(offsets, m)
    if bad >= 0:
        return f"offsets not increasing from 0 to the arc count (at user {bad})"
    seen_arr = np.full(n, -1, dtype=np.int64)
    cdef int64_t[::1] seen = seen_arr
    with nogil:
        for u in range(n):
            for j in range(offsets[u], offsets[u + 1]):
                v = targets[j]
                if v < 0 or v >= n:
                    problem = 1
                    break
                if seen[v] == u:
                    problem = 2
                    break
                seen[v] = u
                s = scores[j]
                if not (s - s == 0.0):      # NaN or infinite
                    problem = 3
                    break
                if j > offsets[u] and s > scores[j - 1]:
                    problem = 4
                    break
            if problem:
                break
    if problem == 1:
        return f"friend id {v} of user {u} outside 0..{n - 1}"
    if problem == 2:
        return f"friend {v} listed twice for user {u}"
    if problem == 3:
        return f"score {s} of user {u} is not finite"
    if problem == 4:
        return f"scores of user {u} are not in ranking order"
    return None
