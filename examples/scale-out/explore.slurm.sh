#!/bin/bash
# A Slurm job array: 8 tasks, each explores one shard of the dfs exploration of the kthread
# protocol (2 preemptions) and writes results/shard-I.json; a job that depends on the whole
# array merges them. From a checkout with node_modules (npm ci), on a shared file system:
#   jobid=$(sbatch --parsable examples/scale-out/explore.slurm.sh)
#   sbatch --dependency=afterany:"$jobid" --output=merge.log \
#     --wrap "npx tasklab explore merge results/shard-*.json --out results/merged.json"
# Exit status 1 (a violation found) still leaves a result to merge.
#SBATCH --job-name=tasklab-explore
#SBATCH --array=0-7
#SBATCH --cpus-per-task=1
#SBATCH --time=04:00:00
#SBATCH --output=explore-%a.log
set -eu
N=8
I=${SLURM_ARRAY_TASK_ID:?run this as a Slurm array job: sbatch examples/scale-out/explore.slurm.sh}
mkdir -p results
npx tasklab explore kthread-creator-killed-any --preemptions 2 --shard "$I/$N" --out "results/shard-$I.json" --no-progress || test $? -eq 1
