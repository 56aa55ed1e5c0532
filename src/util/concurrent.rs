//! Running a list of jobs a few at a time (the blobs of a pull, push or copy).

use std::future::Future;

use futures_util::{StreamExt, TryStreamExt};

/// Runs `jobs` up to `limit` at a time and returns their outputs in the jobs' order; the first
/// error ends the run. A slot is refilled as soon as any job ends: `buffered` would wait for
/// the oldest, so one big first layer held the other slots idle while the cores had nothing
/// to compress (a 60 ms gap in the middle of the push benchmark).
pub async fn try_join_in_order<I, F, T, E>(jobs: I, limit: usize) -> Result<Vec<T>, E>
where
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>>,
{
    let indexed = jobs
        .into_iter()
        .enumerate()
        .map(|(index, job)| async move { job.await.map(|output| (index, output)) });
    let mut done: Vec<(usize, T)> = futures_util::stream::iter(indexed)
        .buffer_unordered(limit.max(1))
        .try_collect()
        .await?;
    done.sort_unstable_by_key(|(index, _)| *index);
    Ok(done.into_iter().map(|(_, output)| output).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;
    use tokio::sync::Notify;

    #[tokio::test]
    async fn a_slow_first_job_does_not_hold_the_other_slots() {
        // Job 0 ends only once job 3 has started: with two slots, job 3 can start only if
        // the slot of job 1 or 2 is refilled while job 0 still runs.
        let third_started = Arc::new(Notify::new());
        let jobs = (0..4).map(|i| {
            let third_started = Arc::clone(&third_started);
            async move {
                match i {
                    0 => third_started.notified().await,
                    3 => third_started.notify_one(),
                    _ => tokio::task::yield_now().await,
                }
                Ok::<_, ()>(i * 10)
            }
        });
        let outputs = tokio::time::timeout(Duration::from_secs(10), try_join_in_order(jobs, 2))
            .await
            .expect("job 3 never started while job 0 ran");
        assert_eq!(outputs, Ok(vec![0, 10, 20, 30]));
    }

    #[tokio::test]
    async fn at_most_limit_jobs_run_and_an_error_ends_the_run() {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs = (0..8).map(|i| {
            let (running, most) = (Arc::clone(&running), Arc::clone(&most));
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::task::yield_now().await;
                running.fetch_sub(1, Ordering::SeqCst);
                if i == 5 {
                    Err(format!("job {i} failed"))
                } else {
                    Ok(i)
                }
            }
        });
        assert_eq!(
            try_join_in_order(jobs, 3).await,
            Err("job 5 failed".to_string())
        );
        assert_eq!(most.load(Ordering::SeqCst), 3);
    }
}
