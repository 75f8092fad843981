/** Tokens after authorization: the CSV export (file or one-time download) and the refresh before expiry. */
export { newestTokenIds, newestTokensQuery, type NewestTokenFilter } from './newest-tokens'
export { neutralizeFormula, tokenCsvChunks, tokenCsvStream, writeTokenCsv, writeTokenCsvFile, type TokenCsvRow } from './token-csv'
export { DOWNLOAD_PATH, exportFileName, TokenExportService, type TokenDownload, type TokenExportRequest, type TokenExportServiceOptions } from './token-export-service'
export { isRejectedRefreshToken, TokenRefresher, type ApiAppSource, type RefreshReport, type TokenRefreshClient, type TokenRefresherOptions } from './token-refresher'
