// The few jStat distributions the analyses use (the package ships no types).
declare module 'jstat' {
  interface Continuous {
    cdf(x: number, ...parameters: number[]): number;
    inv(p: number, ...parameters: number[]): number;
  }
  const jStat: {
    studentt: Continuous;
    chisquare: Continuous;
    centralF: Continuous;
    normal: Continuous;
  };
  export default jStat;
}
