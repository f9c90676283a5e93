# Reference values for tests/test_psychometrics.py: R psych (alpha, omega) and lavaan (cfa, fitMeasures).
#
#   Rscript tests/reference/psychometrics.R      (from the repository root)
#
# Run with R 4.2.2, psych 2.2.9, lavaan 0.6.14, GPArotation 2022.10-2. It makes up data sets with a known
# structure (areas of items loading on correlated factors, discretised to ratings 0..4 with a few missing
# answers), writes them to tests/data/psychometrics/<name>.csv with the item-to-area map <name>_areas.csv, and
# stores what R reports on them in tests/data/psychometrics/<name>_r.json. The tests read those files; they
# never call R.
suppressPackageStartupMessages({library(psych); library(lavaan); library(jsonlite)})
out <- "tests/data/psychometrics"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
versions <- list(R = paste(R.version$major, R.version$minor, sep = "."),
                 psych = format(packageVersion("psych")), lavaan = format(packageVersion("lavaan")))

make_data <- function(seed, sizes, n, phi, missing) {
  set.seed(seed)
  k <- length(sizes)
  p <- sum(sizes)
  area <- rep(seq_len(k), sizes)
  lambda <- runif(p, 0.45, 0.85)
  Phi <- matrix(phi, k, k); diag(Phi) <- 1
  eta <- matrix(rnorm(n * k), n) %*% chol(Phi)
  y <- sapply(seq_len(p), function(j) lambda[j] * eta[, area[j]] + sqrt(1 - lambda[j]^2) * rnorm(n))
  # ratings 0..4: item-specific thresholds around the middle of the scale
  x <- sapply(seq_len(p), function(j) {
    cuts <- sort(qnorm(c(0.08, 0.25, 0.55, 0.82)) + rnorm(1, 0, 0.25))
    findInterval(y[, j], cuts)
  })
  x[matrix(runif(n * p) < missing, n)] <- NA   # "Don't know", missing completely at random
  ids <- sprintf("i%02d", seq_len(p))
  colnames(x) <- ids
  list(x = as.data.frame(x), areas = data.frame(practice_id = ids, area_id = paste0("area", area)))
}

model_syntax <- function(areas, one = FALSE) {
  if (one) return(paste("g =~", paste(areas$practice_id, collapse = " + ")))
  paste(sapply(unique(areas$area_id), function(a)
    paste(a, "=~", paste(areas$practice_id[areas$area_id == a], collapse = " + "))), collapse = "\n")
}

fit_measures <- c("chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli", "rmsea",
                  "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "srmr", "logl", "npar", "ntotal")
robust_measures <- c("chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
                     "baseline.chisq.scaled", "baseline.chisq.scaling.factor", "cfi.robust", "tli.robust",
                     "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")

lavaan_result <- function(x, areas, one, estimator) {
  fit <- cfa(model_syntax(areas, one), data = x, std.lv = TRUE, estimator = estimator)  # missing = listwise
  wanted <- if (estimator == "MLM") c(fit_measures, robust_measures) else fit_measures
  fm <- fitMeasures(fit, wanted)
  std <- standardizedSolution(fit)
  load <- std[std$op == "=~", ]
  corr <- std[std$op == "~~" & std$lhs != std$rhs & std$lhs %in% load$lhs, ]
  list(fit = as.list(fm),
       loadings = data.frame(factor = load$lhs, practice_id = load$rhs, std_all = load$est.std,
                             se = load$se),
       unstandardised = data.frame(practice_id = parameterEstimates(fit)$rhs[parameterEstimates(fit)$op == "=~"],
                                   est = parameterEstimates(fit)$est[parameterEstimates(fit)$op == "=~"]),
       correlations = data.frame(lhs = corr$lhs, rhs = corr$rhs, est = corr$est.std),
       lambda = lavInspect(fit, "std")$lambda, phi = lavInspect(fit, "std")$psi)
}

psych_alpha <- function(x) {
  a <- alpha(x, warnings = FALSE)   # use = "pairwise", psych's default
  list(total = as.list(a$total[c("raw_alpha", "std.alpha", "average_r")]),
       items = data.frame(practice_id = rownames(a$item.stats), n = a$item.stats$n, mean = a$item.stats$mean,
                          sd = a$item.stats$sd, r_drop = a$item.stats$r.drop,
                          alpha_if_dropped = a$alpha.drop$raw_alpha))
}

sets <- list(
  list(name = "psy_a", seed = 11, sizes = c(4, 5, 4), n = 200, phi = 0.45, missing = 0.03),
  list(name = "psy_b", seed = 22, sizes = c(6, 5, 7), n = 450, phi = 0.60, missing = 0.03),
  list(name = "psy_c", seed = 33, sizes = c(4, 4, 4), n = 200, phi = 0.30, missing = 0.02),
  list(name = "psy_d", seed = 47, sizes = c(5, 2, 2), n = 300, phi = 0.50, missing = 0.03),
  list(name = "psy_e", seed = 55, sizes = c(4, 3, 4, 3), n = 300, phi = 0.50, missing = 0.02))

for (s in sets) {
  d <- make_data(s$seed, s$sizes, s$n, s$phi, s$missing)
  write.csv(d$x, file.path(out, paste0(s$name, ".csv")), row.names = FALSE, na = "")
  write.csv(d$areas, file.path(out, paste0(s$name, "_areas.csv")), row.names = FALSE)
  res <- list(versions = versions, n = s$n, complete = sum(complete.cases(d$x)))
  res$alpha_overall <- psych_alpha(d$x)
  res$alpha_areas <- lapply(setNames(unique(d$areas$area_id), unique(d$areas$area_id)), function(a)
    psych_alpha(d$x[, d$areas$practice_id[d$areas$area_id == a]]))
  res$cfa_areas <- lavaan_result(d$x, d$areas, FALSE, "ML")
  res$cfa_one <- lavaan_result(d$x, d$areas, TRUE, "ML")
  res$mlm_areas <- lavaan_result(d$x, d$areas, FALSE, "MLM")
  res$mlm_one <- lavaan_result(d$x, d$areas, TRUE, "MLM")
  # omega: Schmid-Leiman of the confirmatory correlated-areas solution, as psych::omega does when it is given
  # a pattern matrix and its factor correlations (Phi)
  L <- res$cfa_areas$lambda
  om <- omega(L, Phi = res$cfa_areas$phi, plot = FALSE)
  res$omega <- list(omega_h = om$omega_h, omega_tot = om$omega.tot,
                    group = data.frame(factor = rownames(om$omega.group), om$omega.group, row.names = NULL),
                    sl = data.frame(practice_id = rownames(om$schmid$sl), g = om$schmid$sl[, 1],
                                    om$schmid$sl[, 2:(ncol(L) + 1)], h2 = om$schmid$sl[, "h2"],
                                    u2 = om$schmid$sl[, "u2"], row.names = NULL),
                    gloading = as.vector(om$schmid$gloading))
  res$lambda <- NULL
  writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, pretty = TRUE), file.path(out, paste0(s$name, "_r.json")))
  cat(s$name, "n", s$n, "complete", res$complete, "cfi", res$cfa_areas$fit$cfi, "omega_h", om$omega_h, "\n")
}
