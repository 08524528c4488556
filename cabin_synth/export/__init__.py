"""Exports of a dataset into other formats (COCO keypoints, ETH-XGaze)."""
