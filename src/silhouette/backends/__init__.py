"""Model backends that turn an RGB image into a :class:`~silhouette.PoseEstimate`."""
