# Reference values for tests/test_clustering.py, computed with R's mclust, cluster and fpc packages.
#
#   Rscript tests/reference/clustering.R      (from the repository root; R >= 4.2, mclust 6.0, cluster 2.1.4, fpc 2.2-10)
#
# tests/data/cluster_profiles.csv: the example library's 18 alliances (latest wave) by 19 practice scores, and a
# 4-cluster partition of them.
suppressPackageStartupMessages({library(mclust); library(cluster); library(fpc)})
options(digits = 15)
d <- read.csv("tests/data/cluster_profiles.csv")
x <- as.matrix(d[, -(1:2)])
cat("R", R.version$major, R.version$minor, "mclust", format(packageVersion("mclust")), "cluster",
    format(packageVersion("cluster")), "fpc", format(packageVersion("fpc")), "\n")

cat("\n# mclust EEI (tidyLPA model 1): G, log-likelihood, BIC (mclust sign: 2 logL - df log n), df\n")
for (g in 2:5) {
  m <- Mclust(x, G = g, modelNames = "EEI", verbose = FALSE)
  cat(g, m$loglik, m$bic, m$df, "\n")
}

cat("\n# average silhouette width and Calinski-Harabasz of the partition\n")
sil <- silhouette(d$cluster, dist(x))
cat("silhouette", mean(sil[, "sil_width"]), "\n")
cat("calinski_harabasz", calinhara(x, d$cluster + 1), "\n")

cat("\n# Kruskal-Wallis per practice across the partition, and Benjamini-Hochberg adjusted p-values\n")
p <- sapply(colnames(x), function(j) kruskal.test(x[, j], factor(d$cluster))$p.value)
h <- sapply(colnames(x), function(j) kruskal.test(x[, j], factor(d$cluster))$statistic)
adj <- p.adjust(p, method = "BH")
for (j in c(1, 5, 19)) cat(colnames(x)[j], h[j], p[j], adj[j], "\n")

cat("\n# Hedges' g of cluster 3 against the rest on the first practice: (m1 - m2) / s_pooled * (1 - 3 / (4 df - 1))\n")
a <- x[d$cluster == 3, 1]; b <- x[d$cluster != 3, 1]
sp <- sqrt(((length(a) - 1) * var(a) + (length(b) - 1) * var(b)) / (length(a) + length(b) - 2))
cat("hedges_g", (mean(a) - mean(b)) / sp * (1 - 3 / (4 * (length(a) + length(b) - 2) - 1)), "\n")

cat("\n# fpc::clusterboot of Ward (ward.D2, unscaled), k = 3, 2000 resamples, on tests/data/clusterboot_ward.csv\n")
w <- read.csv("tests/data/clusterboot_ward.csv"); xw <- as.matrix(w[, -ncol(w)])
cb <- clusterboot(xw, B = 2000, clustermethod = hclustCBI, method = "ward.D2", k = 3, scaling = FALSE,
                  count = FALSE, seed = 1)
cat("partition sizes", table(cb$partition), "\n")
cat("bootmean", cb$bootmean, "\n")
