/** What `transcribeVideo` asks Gemini: the same words for every call, so a benchmark can ask them too. */
export function transcriptPrompt(language: string | undefined, timestamps: boolean): string {
  return [
    `Transcribe all speech in this video verbatim${language ? `, written in ${language} (translate if the speech is in another language)` : ", in the language spoken"}.`,
    "Start a new segment at every change of speaker and at least every 30 seconds.",
    "Name speakers when the video makes their names clear; otherwise call them Speaker 1, Speaker 2 and so on, consistently.",
    timestamps ? "Give each segment's start time as MM:SS (H:MM:SS past an hour)." : "Leave out start times.",
    "If nobody speaks, return no segments."
  ].join(" ");
}
