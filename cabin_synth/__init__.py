"""cabin-synth: synthetic in-cabin driver-monitoring data.

Importing this package never imports omni.* (the Omniverse layer lives in
cabin_synth.omni and is imported only inside Kit). It holds BLAS to one thread
in the importing process (below).
"""

import scipy.linalg  # noqa: F401  (loads scipy's BLAS beside numpy's, so that both are held)
from threadpoolctl import threadpool_limits

__version__ = "0.1.0"

# A matrix product's last bits depend on how many threads split its sums, and the
# default count follows the machine's cores and OMP_NUM_THREADS (Ray sets 1 in its
# workers). Labels are a function of (seed, index) alone only if every number behind
# them, cached ones included (driver templates, shape interpolators: computed by
# whatever first asks), comes from one count: one thread, from the moment the
# package is imported.
threadpool_limits(1, user_api="blas")
