# Reference values for tests/test_multiplicity.py: R's stats::p.adjust on made-up p-values.
#
#   Rscript tests/reference/multiplicity.R      (from the repository root; R >= 4.2, no extra packages)
#
# Writes tests/data/p_adjust_r.csv: one row per p-value of each family (vector), with the p-value and its
# adjustments by p.adjust(method = "BH"), "holm" and "bonferroni". The families are drawn here with set.seed:
# uniform p-values of several sizes, families with small p-values (a mixture of signal and noise), ties, exact
# 0 and 1, and missing values (NA: R leaves them missing and does not count them in the family).
options(digits = 17)
set.seed(20240613)

families <- list()
for (m in c(1, 2, 3, 5, 8, 20, 50)) families[[length(families) + 1]] <- runif(m)
for (m in c(4, 10, 30)) families[[length(families) + 1]] <- c(rbeta(m %/% 2, 0.3, 8), runif(m - m %/% 2))
families[[length(families) + 1]] <- c(0.01, 0.04, 0.03, 0.2)                  # the docstring's example
families[[length(families) + 1]] <- c(0.02, 0.02, 0.02, 0.5, 0.5, 0.01)        # ties
families[[length(families) + 1]] <- c(0, 1, 0.049, 0.051, 1, 0)                # the ends of the range
families[[length(families) + 1]] <- c(0.01, NA, 0.03, NA, 0.2, 0.04)           # tests not run
families[[length(families) + 1]] <- c(0.04, 0.045, 0.03, 0.035, 0.049)         # every raw p below 0.05
families[[length(families) + 1]] <- c(1e-12, 3e-8, 0.0004, 0.7)                 # very small

rows <- do.call(rbind, lapply(seq_along(families), function(f) {
  p <- families[[f]]
  data.frame(family = f, i = seq_along(p), p = p, BH = p.adjust(p, "BH"), holm = p.adjust(p, "holm"),
             bonferroni = p.adjust(p, "bonferroni"))
}))
cat("R", R.version$major, R.version$minor, "stats", format(packageVersion("stats")), "\n")
cat(nrow(rows), "p-values in", length(families), "families\n")
for (column in c("p", "BH", "holm", "bonferroni")) rows[[column]] <- ifelse(is.na(rows[[column]]), "NA", sprintf("%.17g", rows[[column]]))
write.csv(rows, "tests/data/p_adjust_r.csv", row.names = FALSE, quote = FALSE)
