#!/bin/bash
# A million frames of the default preset as a SLURM job array (docs/scaling.md): task k runs
# shard k of N, the same command as on a workstation, into one folder on the cluster's shared
# filesystem. Submit, then merge once every task has finished:
#   sbatch docs/slurm_array.sh
#   sbatch --dependency=afterok:<jobid> --wrap "cabin-synth merge /shared/run7 --quiet"
# A failed or preempted task is resubmitted with `sbatch --array=<k> docs/slurm_array.sh`:
# it resumes its shard (committed frames are kept; a lock left by a dead process on the same
# node is taken over at once, by a process on another node after 15 minutes).
#SBATCH --job-name=cabin-synth-run7
#SBATCH --array=0-249%50          # N = 250 shards of 4,000 frames, at most 50 at once
#SBATCH --cpus-per-task=2
#SBATCH --mem=3G                  # 2 workers at <= 1 GB each, plus the parent
#SBATCH --time=12:00:00
#SBATCH --signal=TERM@120         # SIGTERM 2 minutes before the time limit: frames in flight finish
#SBATCH --requeue
#SBATCH --output=logs/run7-%a.out

set -euo pipefail
N=250
srun cabin-synth generate --preset default --seed 7 --frames 1000000 \
  --shard "${SLURM_ARRAY_TASK_ID}/${N}" --workers "${SLURM_CPUS_PER_TASK}" --quiet --out /shared/run7
