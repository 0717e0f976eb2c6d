"""Arrays that numba's runtime does not reference-count, for hot kernel loops.

Every time a numba kernel hands an array to inlined code (a per-RR-set
helper, a heap operation), the runtime may take and drop a reference to it:
an atomic increment and decrement of the array's owner.  In a loop over small
RR sets or over the APs of a greedy those atomics cost more than the work
(perf on ca-GrQc: 40% of the sampling kernel, 64% of the CIM greedy).

``borrow(array)`` is a view with the same data, shape and strides and no
owner, so those operations find nothing to count (LLVM removes them).  It is
valid only while ``array`` is alive: use it on a kernel's own arguments or on
arrays the kernel keeps in scope, never return it or store it beyond the call.
"""
from __future__ import annotations

from numba import types
from numba.extending import intrinsic

__all__ = ["borrow"]


@intrinsic
def borrow(typingctx, array):
    """A view of ``array`` without an owner (see the module docstring)."""
    if not isinstance(array, types.Array):
        return None
    sig = array(array)

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        source = context.make_array(array_type)(context, builder, value=args[0])
        view = context.make_array(array_type)(context, builder)
        context.populate_array(view, data=source.data, shape=source.shape,
                               strides=source.strides, itemsize=source.itemsize, meminfo=None)
        return view._getvalue()

    return sig, codegen
