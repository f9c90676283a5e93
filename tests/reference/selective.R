# Reference values for tests/test_selective.py: selective p-values for a difference in one feature's means
# between two clusters, computed with R CADET 0.1.0 (Chen & Gao, 2023+), on data sets made up here.
#
#   Rscript tests/reference/selective.R      (from the repository root; R >= 4.2, CADET 0.1.0, fastcluster,
#                                             intervals, jsonlite; ../shared/oracles/install-r-oracles.sh)
#
# Writes tests/data/selective/ward.json and tests/data/selective/kmeans.json. Each data set: the data (rows by
# features), its clusters as CADET numbers them, and for every pair of clusters and every feature CADET's
# statistic and p-value. Clusters are matched in the test by their members, never by their numbers.
suppressPackageStartupMessages({library(CADET); library(jsonlite)})
options(digits = 15)
cat("R", R.version$major, R.version$minor, "CADET", format(packageVersion("CADET")), "\n")

# made-up data: n rows, q features, an optional cluster structure of `groups` groups `delta` apart in the
# first two features, noise sd `sd`
make_data <- function(seed, n, q, groups, delta, sd) {
  set.seed(seed)
  centres <- matrix(0, groups, q)
  if (groups > 1) centres[, 1:min(2, q)] <- matrix(rnorm(groups * min(2, q), sd = delta), groups)
  truth <- rep(seq_len(groups), length.out = n)
  centres[truth, , drop = FALSE] + matrix(rnorm(n * q, sd = sd), n, q)
}

# ---- Ward: test_hier_clusters_exact_1f with hclust(dist(X)^2, "ward.D"), sigma estimated and given ----
ward <- list()
settings <- expand.grid(seed = 1:12, stringsAsFactors = FALSE)
for (s in settings$seed) {
  n <- c(10, 15, 20, 30, 40, 25)[(s - 1) %% 6 + 1]
  q <- c(2, 3, 5, 6)[(s - 1) %% 4 + 1]
  groups <- c(1, 2, 3, 4)[(s - 1) %% 4 + 1]
  K <- c(2, 3, 4)[(s - 1) %% 3 + 1]
  x <- make_data(1000 + s, n, q, groups, delta = c(0, 2, 4)[(s - 1) %% 3 + 1], sd = c(1, 0.5, 2)[(s - 1) %% 3 + 1])
  hcl <- hclust(dist(x)^2, method = "ward.D")
  cl <- cutree(hcl, K)
  sig_given <- if (s %% 2 == 0) 0.8 else NULL
  tests <- list()
  for (k1 in 1:(K - 1)) for (k2 in (k1 + 1):K) for (f in 1:q) {
    r <- test_hier_clusters_exact_1f(X = x, link = "ward.D", hcl = hcl, K = K, k1 = k1, k2 = k2, feat = f,
                                     sig = sig_given)
    tests[[length(tests) + 1]] <- list(k1 = k1, k2 = k2, feature = f - 1, stat = r$stat, pval = r$pval)
  }
  ward[[length(ward) + 1]] <- list(seed = 1000 + s, K = K, sigma = if (is.null(sig_given)) NA else sig_given,
                                   x = x, clusters = cl, tests = tests)
}
writeLines(toJSON(ward, digits = NA, auto_unbox = TRUE, na = "null"), "tests/data/selective/ward.json")
cat("ward:", length(ward), "data sets,", sum(sapply(ward, function(d) length(d$tests))), "tests\n")

# ---- k-means: kmeans_inference_1f, and CADET's own Lloyd path (its initial rows) for the test to replay ----
# CADET's isotropic branch (iso = TRUE) moves feature `feat` by sig^2 times the perturbation the paper defines,
# so it agrees with the paper only when sig = 1; with sig != 1 the paper's isotropic model is CADET's general
# branch with covMat = sig^2 I, which is what we compare with (and iso = TRUE, sig = 1 as a check of both).
kmeans <- list()
for (s in 1:12) {
  n <- c(12, 20, 30, 40)[(s - 1) %% 4 + 1]
  q <- c(2, 3, 4, 5, 6, 3)[(s - 1) %% 6 + 1]
  groups <- c(1, 2, 3)[(s - 1) %% 3 + 1]
  k <- c(2, 3, 3, 4)[(s - 1) %% 4 + 1]
  x <- make_data(2000 + s, n, q, groups, delta = c(0, 3, 5)[(s - 1) %% 3 + 1], sd = 1)
  iter_max <- c(10, 20, 5)[(s - 1) %% 3 + 1]
  seed <- 3000 + s
  est <- kmeans_estimation(x, k, iter.max = iter_max, seed = seed)
  if (length(unique(est$final_cluster)) < k) next
  sigma <- if (s %% 3 == 0) 1 else c(0.7, 1.6)[(s - 1) %% 2 + 1]
  tests <- list()
  for (k1 in 1:(k - 1)) for (k2 in (k1 + 1):k) for (f in 1:q) {
    if (sigma == 1) {
      r <- kmeans_inference_1f(x, k, k1, k2, feat = f, iso = TRUE, sig = 1, iter.max = iter_max, seed = seed)
    } else {
      r <- kmeans_inference_1f(x, k, k1, k2, feat = f, iso = FALSE, covMat = diag(sigma^2, q),
                               iter.max = iter_max, seed = seed)
    }
    tests[[length(tests) + 1]] <- list(k1 = k1, k2 = k2, feature = f - 1, stat = r$test_stat, pval = r$pval)
  }
  kmeans[[length(kmeans) + 1]] <- list(seed = seed, k = k, iter_max = iter_max, sigma = sigma, x = x,
                                       initial = est$random_init_obs - 1, iterations = est$iter,
                                       clusters = est$final_cluster, tests = tests)
}
# the median-based estimate of sigma (CADET's default for iso = TRUE without sig), on the first data sets
sigma_med <- sapply(kmeans, function(d) {
  x <- d$x
  for (j in seq_len(ncol(x))) x[, j] <- x[, j] - median(x[, j])
  sqrt(median(x^2) / qchisq(1 / 2, df = 1))
})
for (i in seq_along(kmeans)) kmeans[[i]]$sigma_med <- sigma_med[i]
writeLines(toJSON(kmeans, digits = NA, auto_unbox = TRUE, na = "null"), "tests/data/selective/kmeans.json")
cat("kmeans:", length(kmeans), "data sets,", sum(sapply(kmeans, function(d) length(d$tests))), "tests\n")
