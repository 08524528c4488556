"""What the cabins are furnished with: the shapes of seats, dashboard, doors and
trim, their materials, and the texture images those materials reference. Plain
functions of numbers the cabin generator (cabin_synth.assets.cabins) derives
from a cabin's package dimensions."""
