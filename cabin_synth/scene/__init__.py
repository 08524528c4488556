"""The USD scene: cabins, accessories, camera rig, lights, materials and skin."""
