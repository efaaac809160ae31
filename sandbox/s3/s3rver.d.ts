declare module 's3rver' {
  const S3rver: unknown;
  export default S3rver;
}
