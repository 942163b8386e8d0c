"""The one task: run a job. What each kind of job does is ``jobs.kinds``."""

from django_tasks import task

from . import work


@task()
def run_job(job_id: str) -> str:
    return work.run(job_id)
